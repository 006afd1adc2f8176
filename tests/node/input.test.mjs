// Input end to end in Node: a client's InboundStream.sendInput reaches the host's OutboundStream
// "input" event exactly, through a real gateway, real RTCPeerConnections and the C core on both
// sides; the host's core drops what the granted InputLevel does not allow; host → client records
// (rumble, cursor, clipboard) come back.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import rainway, {
  ButtonAction,
  InputLevel,
  InputType,
  KeyboardAction,
  MouseButton,
  PenFlags,
  PenMask,
  RainwayError,
  ScrollAxis,
  TouchMask,
  VirtualKey,
  WindowsPointerFlags,
  XInputButtons,
} from "../../js/index.js";
import { startGateway } from "../../js/gateway/index.js";
import { nextEvent, sleep, until } from "../helpers/events.mjs";

let gateway;
before(async () => {
  gateway = await startGateway({ keys: { key: "org" } });
});
after(async () => {
  await gateway?.close();
});

/** A joined stream: the client's InboundStream and the host's OutboundStream, granted `level`. */
async function joinedStream(level, { metrics = false } = {}) {
  const client = await rainway.connect({ apiKey: "key", externalId: "viewer", gatewayUrl: gateway.url });
  const host = await rainway.connect({ apiKey: "key", externalId: "host", gatewayUrl: gateway.url });
  const accepted = nextEvent(host, "peer-request").then(([request]) => request.accept());
  const [clientPeer, hostPeer] = await Promise.all([client.connect(host.id), accepted]);
  const outboundReady = nextEvent(hostPeer, "stream-request").then(([request]) =>
    request.accept({ permissions: level, video: { codec: "avc1.42e01e", width: 1280, height: 720, frameRate: 30 } }),
  );
  const [stream, outbound] = await Promise.all([clientPeer.createStream({ permissions: InputLevel.All, metrics }), outboundReady]);
  const received = [];
  outbound.addEventListener("input", (input) => received.push(input));
  return {
    stream,
    outbound,
    received,
    close() {
      client.close();
      host.close();
    },
  };
}

const pointerInfo = { pointerId: 3, frameId: 17, pointerFlags: WindowsPointerFlags.Down | WindowsPointerFlags.InContact, x: 640, y: 360 };
/** One input of every OutgoingInput type, as the host reports them back. */
const EVERY_INPUT = [
  { type: InputType.Keyboard, action: KeyboardAction.KeyDown, key: VirtualKey.A },
  { type: InputType.Keyboard, action: KeyboardAction.KeyUp, key: VirtualKey.A },
  { type: InputType.MouseAbsolute, x: 1279, y: 0 },
  { type: InputType.MouseClick, action: ButtonAction.ButtonDown, button: MouseButton.X2 },
  { type: InputType.MouseClick, action: ButtonAction.ButtonUp, button: MouseButton.X2 },
  { type: InputType.MouseScroll, axis: ScrollAxis.Horizontal, delta: -240 },
  { type: InputType.MouseScroll, axis: ScrollAxis.Vertical, delta: 120 },
  { type: InputType.PasteText, inputString: "héllo wörld ✓ 😀" },
  {
    type: InputType.TouchesAbsolute,
    touches: [
      { pointerInfo, touchMask: TouchMask.ContactArea | TouchMask.Pressure, contactLeft: 630, contactTop: 350, contactRight: 650, contactBottom: 370, orientation: 90, pressure: 512 },
      { pointerInfo: { ...pointerInfo, pointerId: 4, x: 10, y: 20 }, touchMask: 0, contactLeft: 0, contactTop: 0, contactRight: 0, contactBottom: 0, orientation: 0, pressure: 0 },
    ],
  },
  { type: InputType.PenAbsolute, pointerInfo, penFlags: PenFlags.Barrel, penMask: PenMask.Pressure | PenMask.TiltX, pressure: 1024, rotation: 359, tiltX: -45, tiltY: 90 },
  { type: InputType.ViewportResize, width: 1920, height: 1080 },
  { type: InputType.SetClipboardText, text: "copied on the client" },
  {
    type: InputType.Gamepad,
    buttons: XInputButtons.A | XInputButtons.DpadLeft | XInputButtons.Guide,
    leftTrigger: 255,
    rightTrigger: 3,
    leftThumbX: -32768,
    leftThumbY: 32767,
    rightThumbX: 1,
    rightThumbY: -1,
    slot: 2,
    connected: true,
  },
];

test("every OutgoingInput type sent with sendInput arrives at a Node host exactly, in order", { timeout: 30000 }, async () => {
  const { stream, outbound, received, close } = await joinedStream(InputLevel.All | InputLevel.Clipboard);
  try {
    for (const input of EVERY_INPUT) stream.sendInput(input);
    // A relative move: coalesced or not, the sum arrives.
    stream.sendInput({ type: InputType.MouseRelative, dx: 5, dy: -2 });
    stream.sendInput({ type: InputType.MouseRelative, dx: 7, dy: 1 });
    await until(() => received.filter((i) => i.type === InputType.MouseRelative).reduce((sum, i) => sum + i.dx, 0) === 12);
    const relative = received.filter((i) => i.type === InputType.MouseRelative);
    assert.equal(relative.reduce((sum, i) => sum + i.dy, 0), -1);
    assert.deepEqual(received.filter((i) => i.type !== InputType.MouseRelative), EVERY_INPUT);
    // The docs' field name for the key is accepted too.
    stream.sendInput({ type: InputType.Keyboard, action: KeyboardAction.KeyDown, keycode: VirtualKey.Z });
    await until(() => received.at(-1).key === VirtualKey.Z);
    // A pad reported again unchanged sends nothing; a change sends the full state; gone is reported.
    stream.sendInput(EVERY_INPUT.at(-1));
    stream.sendInput({ ...EVERY_INPUT.at(-1), rightTrigger: 200 });
    await until(() => received.at(-1).rightTrigger === 200);
    assert.deepEqual(received.at(-1), { ...EVERY_INPUT.at(-1), rightTrigger: 200 });
    assert.equal(received.filter((i) => i.type === InputType.Gamepad).length, 2);
    stream.sendInput({ type: InputType.Gamepad, slot: 2, connected: false });
    await until(() => received.at(-1).connected === false);
    assert.equal(received.at(-1).buttons, 0);
    const counters = stream.counters();
    assert.equal(counters.inputSent, received.length);
    assert.ok(counters.inputBytesSent > 0);
    assert.equal(outbound.counters().inputReceived, received.length);
  } finally {
    close();
  }
});

test("input beyond the granted level never arrives at the host and is counted there", { timeout: 30000 }, async () => {
  const { stream, outbound, received, close } = await joinedStream(InputLevel.Keyboard | InputLevel.GamepadPort3);
  try {
    assert.equal(stream.permissions, InputLevel.Keyboard | InputLevel.GamepadPort3);
    const pad = (slot) => ({ type: InputType.Gamepad, buttons: XInputButtons.B, leftTrigger: 0, rightTrigger: 0, leftThumbX: 0, leftThumbY: 0, rightThumbX: 0, rightThumbY: 0, slot });
    stream.sendInput({ type: InputType.MouseClick, action: ButtonAction.ButtonDown, button: MouseButton.Left });
    stream.sendInput({ type: InputType.MouseAbsolute, x: 1, y: 1 });
    stream.sendInput({ type: InputType.SetClipboardText, text: "secret" });
    stream.sendInput(pad(1));
    stream.sendInput(pad(3));
    stream.sendInput({ type: InputType.Keyboard, action: KeyboardAction.KeyDown, key: VirtualKey.Enter });
    await until(() => received.some((i) => i.type === InputType.Keyboard));
    assert.deepEqual(received, [pad(3), { type: InputType.Keyboard, action: KeyboardAction.KeyDown, key: VirtualKey.Enter }].map((i) => (i.type === InputType.Gamepad ? { ...i, connected: true } : i)));
    await until(() => outbound.counters().inputDropped === 4);
    assert.equal(outbound.counters().inputMalformed, 0);
  } finally {
    close();
  }
});

test("a permission change applies at once on both sides; held keys are released on the host", { timeout: 30000 }, async () => {
  const { stream, outbound, received, close } = await joinedStream(InputLevel.All);
  try {
    stream.sendInput({ type: InputType.Keyboard, action: KeyboardAction.KeyDown, key: VirtualKey.LeftShift });
    stream.sendInput({ type: InputType.Keyboard, action: KeyboardAction.KeyDown, key: VirtualKey.W });
    stream.sendInput({ type: InputType.MouseClick, action: ButtonAction.ButtonDown, button: MouseButton.Right });
    await until(() => received.length === 3);
    const permissions = nextEvent(stream, "permissions");
    outbound.permissions = InputLevel.Mouse;
    // On the host at once: the keys the client still holds are released, in the same call.
    assert.deepEqual(received.slice(3), [
      { type: InputType.Keyboard, action: KeyboardAction.KeyUp, key: VirtualKey.W },
      { type: InputType.Keyboard, action: KeyboardAction.KeyUp, key: VirtualKey.LeftShift },
    ]);
    assert.deepEqual(await permissions, [InputLevel.Mouse]);
    assert.equal(stream.permissions, InputLevel.Mouse);
    stream.sendInput({ type: InputType.Keyboard, action: KeyboardAction.KeyDown, key: VirtualKey.Q });
    stream.sendInput({ type: InputType.MouseClick, action: ButtonAction.ButtonUp, button: MouseButton.Right });
    await until(() => received.length === 6);
    assert.deepEqual(received.at(-1), { type: InputType.MouseClick, action: ButtonAction.ButtonUp, button: MouseButton.Right });
    await until(() => outbound.counters().inputDropped === 1);
    // A button held when the client leaves is released before the host's "leave".
    stream.sendInput({ type: InputType.MouseClick, action: ButtonAction.ButtonDown, button: MouseButton.Middle });
    await until(() => received.length === 7);
    const left = nextEvent(outbound, "leave");
    stream.close();
    await left;
    assert.deepEqual(received.at(-1), { type: InputType.MouseClick, action: ButtonAction.ButtonUp, button: MouseButton.Middle });
  } finally {
    close();
  }
});

test("host → client: rumble, the cursor and clipboard text arrive as events; the client's held keys go up on pause", { timeout: 30000 }, async () => {
  const { stream, outbound, received, close } = await joinedStream(InputLevel.All | InputLevel.Clipboard, { metrics: true });
  try {
    const stats = nextEvent(stream, "stats", 15000);
    const rumble = nextEvent(stream, "rumble");
    outbound.sendRumble({ port: 4, leftMotorSpeed: 65535, rightMotorSpeed: 1000 });
    assert.deepEqual(await rumble, [{ port: 4, leftMotorSpeed: 65535, rightMotorSpeed: 1000 }]);
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3, 4]);
    const cursors = [];
    stream.addEventListener("cursor", (cursor) => cursors.push(cursor));
    outbound.sendCursor({ x: 100, y: 50, image: png, spotX: 1, spotY: 2, shapeWidth: 16, shapeHeight: 24 });
    await until(() => cursors.length === 2);
    assert.deepEqual(cursors[1], {
      x: 100, y: 50, spotX: 1, spotY: 2, shapeWidth: 16, shapeHeight: 24, extentWidth: 16, extentHeight: 24,
      visible: true, hasPointerImage: true, pointerImage: `data:image/png;base64,${Buffer.from(png).toString("base64")}`,
    });
    const clipboard = nextEvent(stream, "clipboard");
    outbound.setClipboardText("from the host");
    assert.deepEqual(await clipboard, ["from the host"]);
    assert.equal(stream.counters().cursorEvents, 2);
    assert.equal(outbound.counters().cursorEvents, 2);
    stream.sendInput({ type: InputType.MouseAbsolute, x: 3, y: 4 });
    // The 5-second stats count what really crossed the wire.
    const [summary] = await stats;
    assert.equal(summary.cursorEvents, 2);
    assert.equal(summary.inputEvents, 1);
    // Bad input is refused with the field named, before anything is sent.
    assert.throws(() => outbound.sendCursor({ x: 1, y: 1, image: Uint8Array.of(1, 2, 3), shapeWidth: 4, shapeHeight: 4 }), /CursorImage input: field "image" is out of range/);
    assert.throws(() => outbound.sendRumble({ port: 5, leftMotorSpeed: 0, rightMotorSpeed: 0 }), /GamepadRumble input: field "port" is out of range/);
    assert.throws(() => stream.sendInput({ type: InputType.MouseClick, action: 0, button: 7 }), (error) => error instanceof RainwayError && /MouseClick input: field "button" is out of range/.test(error.message));
    assert.throws(() => stream.sendInput({ type: InputType.Keyboard, action: 0 }), /Keyboard input: field "key" is missing/);
    assert.throws(() => stream.sendInput({ type: 99 }), /type 99 is not an InputType/);
    assert.throws(() => stream.sendInput({ type: InputType.PasteText, inputString: "x".repeat(40000) }), /field "inputString" is too large/);
    assert.throws(() => stream.sendInput({ type: 32, port: 1, leftMotorSpeed: 0, rightMotorSpeed: 0 }), /does not travel from this side/);
    assert.throws(() => stream.sendInput(null), RainwayError);
    assert.throws(() => stream.sendInput({ type: InputType.PasteText, inputString: "abc\0secret" }), /field "inputString" holds a NUL character/);
    // pause() releases what the client holds: the host sees the key go up.
    await until(() => received.length === 1); // the pointer move before the stats
    stream.sendInput({ type: InputType.Keyboard, action: KeyboardAction.KeyDown, key: VirtualKey.Space });
    await until(() => received.length === 2);
    stream.pause();
    await until(() => received.length === 3);
    assert.deepEqual(received[2], { type: InputType.Keyboard, action: KeyboardAction.KeyUp, key: VirtualKey.Space });
    stream.close();
    assert.throws(() => stream.sendInput({ type: InputType.MouseAbsolute, x: 0, y: 0 }), /dead stream/);
    await sleep(50);
  } finally {
    close();
  }
});
