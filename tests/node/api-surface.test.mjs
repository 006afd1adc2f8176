// The module's shape matches @rainway/web 0.5: exports, enum values with reverse mapping,
// EventEmitter semantics and RainwayError.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as sdk from "../../js/index.js";

const { default: rainway, EventEmitter, RainwayError } = sdk;

test("the original's runtime exports are all present", () => {
  for (const name of [
    "AudioCodec", "AudioContainer", "ButtonAction", "DataChannelMode", "InputLevel", "InputType", "LogLevel",
    "MessageEventType", "MouseButton", "PeerState", "PenFlags", "PenMask", "ScrollAxis", "StreamFit", "StreamType",
    "TouchMask", "VideoCodecType", "VideoContainer", "VideoReadyState", "VirtualKey", "WindowsPointerFlags",
    "XInputButtons", "KeyboardAction", "RainwayError", "EventEmitter", "RainwayConnection", "Peer", "DataChannel",
    "InboundStream", "OutboundStream", "HeldKeys", "RainwaySDK",
  ]) {
    assert.ok(sdk[name] !== undefined, `${name} is exported`);
  }
  assert.equal(typeof rainway.connect, "function");
  assert.equal(typeof rainway.getMediaCapabilities, "function");
  assert.equal(typeof rainway.version, "string");
  assert.ok(rainway instanceof sdk.RainwaySDK);
  assert.equal(rainway.logLevel, sdk.LogLevel.Info, "Petrichor's log level, Info until the app sets it");
});

test("enums are numeric with reverse mapping, with the original's numbers", () => {
  const { LogLevel, PeerState, InputLevel, VirtualKey, XInputButtons, WindowsPointerFlags, VideoCodecType } = sdk;
  assert.equal(LogLevel.Info, 3);
  assert.equal(LogLevel[3], "Info");
  assert.deepEqual([PeerState.New, PeerState.Connecting, PeerState.Connected, PeerState.Disconnected, PeerState.Failed], [0, 1, 2, 3, 4]);
  assert.equal(InputLevel.All, 63);
  assert.equal(InputLevel.Clipboard, 64);
  assert.equal(InputLevel.All & InputLevel.Clipboard, 0);
  assert.equal(VirtualKey.A, 44);
  assert.equal(VirtualKey.F24, 113);
  assert.equal(VirtualKey[172], "DeadCharProcessed");
  assert.equal(Object.keys(VirtualKey).filter((k) => Number.isNaN(Number(k))).length, 173);
  assert.equal(XInputButtons.Y, 32768);
  assert.equal(WindowsPointerFlags.HasTransform, 4194304);
  assert.equal(VideoCodecType.H264, 7);
  assert.ok(Object.isFrozen(LogLevel));
});

test("EventEmitter: order, duplicates, positional arguments, removal, and throwing handlers", () => {
  const emitter = new EventEmitter();
  const calls = [];
  const first = (...args) => calls.push(["first", ...args]);
  const second = (...args) => calls.push(["second", ...args]);
  emitter.addEventListener("log", first);
  emitter.addEventListener("log", second);
  emitter.addEventListener("log", first); // duplicates are allowed
  emitter.emit("log", 3, "target", "message");
  assert.deepEqual(calls, [
    ["first", 3, "target", "message"],
    ["second", 3, "target", "message"],
    ["first", 3, "target", "message"],
  ]);
  calls.length = 0;
  emitter.removeEventListener("log", first); // removes one registration
  emitter.emit("log", 1);
  assert.deepEqual(calls, [["second", 1], ["first", 1]]);
  calls.length = 0;
  emitter.removeEventListener("log"); // no handler: removes all of that event
  emitter.emit("log", 2);
  assert.deepEqual(calls, []);
  emitter.addEventListener("a", () => {
    throw new Error("boom");
  });
  emitter.addEventListener("a", second);
  assert.throws(() => emitter.emit("a"), /boom/); // no try/catch, as in the original
  assert.deepEqual(calls, []);
  emitter.removeAllEventListeners();
  emitter.emit("a");
});

test("RainwayError carries the prefix and its name", () => {
  const error = new RainwayError("Something failed.");
  assert.ok(error instanceof Error);
  assert.equal(error.message, "Rainway SDK Error: Something failed.");
  assert.equal(error.name, "RainwayError");
  assert.equal(error.message.replace(/^Rainway SDK Error: /, ""), "Something failed.");
});

test("getMediaCapabilities without navigator.mediaCapabilities is a RainwayError", async () => {
  await assert.rejects(rainway.getMediaCapabilities({ type: "file" }), (error) => error instanceof RainwayError);
});

test("Petrichor's mediaWorker option of rainway.connect is a boolean", async () => {
  const options = { apiKey: "key", gatewayUrl: "ws://127.0.0.1:9/gateway", mediaWorker: "auto" };
  await assert.rejects(sdk.default.connect(options), (e) => e instanceof sdk.RainwayError && /mediaWorker must be true/.test(e.message));
});
