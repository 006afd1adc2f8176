// Sending input on a stream through the core, with errors that say which field of which input was
// wrong. Shared by InboundStream (client → host input) and OutboundStream (rumble, cursor, clipboard).
import { RainwayError } from "./errors.js";
import { InputType } from "./enums.js";
import { CoreError } from "../core/core.js";

/** Petrichor's host → client input types (beyond the SDK's InputType). */
export const HostInputType = Object.freeze({ Rumble: 32, CursorImage: 33, CursorPosition: 34 });
const HOST_TYPE_NAMES = { 32: "GamepadRumble", 33: "CursorImage", 34: "CursorPosition" };

const FIELD_PROBLEMS = {
  [CoreError.MissingField]: "is missing",
  [CoreError.WrongType]: "has the wrong type",
  [CoreError.BadValue]: "is out of range",
  [CoreError.TooLarge]: "is too large",
};

/** Sends one input on a core stream; returns the records sent now. Throws a RainwayError for bad input. */
export function sendStreamInput(runtime, handle, input) {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    throw new RainwayError("sendInput needs an input object such as {type: InputType.Keyboard, action: 0, key: VirtualKey.A}.");
  }
  // The core's strings end at a NUL: text holding one is refused, never cut short.
  for (const field of ["inputString", "text"]) {
    if (typeof input[field] === "string" && input[field].includes("\0")) {
      throw new RainwayError(`Couldn't send ${InputType[input.type] ?? "this"} input: field "${field}" holds a NUL character.`);
    }
  }
  let result;
  try {
    result = runtime.call((core, now) => core.streamSendInput(handle, input, now));
  } catch (error) {
    throw new RainwayError(`Couldn't send input: ${error.message}`, { cause: error }); // e.g. a BigInt in it
  }
  const { status, field } = result;
  if (status >= 0) return status;
  const name = InputType[input.type] ?? HOST_TYPE_NAMES[input.type];
  if (field === "type" || name === undefined) throw new RainwayError(`Couldn't send input: type ${JSON.stringify(input.type)} is not an InputType.`);
  if (status === CoreError.State) throw new RainwayError(`Couldn't send input: ${name} input does not travel from this side of a stream.`);
  const problem = FIELD_PROBLEMS[status];
  if (problem && field) throw new RainwayError(`Couldn't send ${name} input: field "${field}" ${problem}.`);
  throw new RainwayError(`Couldn't send ${name} input: ${runtime.core.errorName(status)}`);
}
