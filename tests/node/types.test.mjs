// index.d.ts is checked by tsc --strict against tests/types: usage.ts uses every public name (so a
// wrong declaration breaks the build) and misuse.ts holds what must not compile (misspelled event
// names, handlers of the wrong shape), each line under a `@ts-expect-error`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { ROOT } from "../helpers/paths.mjs";

/** The names of @rainway/web 0.5's reference pages (types, classes, enums; docs.rainway.com, "Web SDK - …"). */
const RAINWAY_05_NAMES = `AudioCodec AudioContainer ButtonAction CreateStreamOptions Cursor DataChannel DataChannelEvents
  DataChannelMode DecodingInfo EventEmitter EventHandler EventName EventProvider FullscreenOptions_2 HeldKeys IAudioConfig
  IDesktopRect IGamepadReport IGamepadRumble IKeyboardInput ILogicalInput IMouseAbsolute IMouseClick IMouseRelative
  IMouseScroll IPenAbsolute IRemoteStreamInfo ISetClipboardText ITouchAbsolute ITouchPenPointerInfo ITouchesAbsolute
  IVideoCodec IVideoConfig IViewportResize InboundStream InputLevel InputType JoinStreamOptions KeyboardAction LogLevel
  MessageEventRequest MessageEventStandalone MessageEventType MessageEvent_2 MouseButton OpenDataChannelOptions
  OutgoingInput Peer PeerConnectionRequest PeerEvents PeerId PeerState PenFlags PenMask RainwayConnectOptions
  RainwayConnection RainwayConnectionEvents RainwayError RainwayEvents RainwayInputEvent RainwaySDK
  RainwayStreamAnnouncement ReportEntry ScrollAxis SimpleEvent StatsSummary StreamEvents StreamFit StreamReport StreamType
  TimestampedReportEntry TouchMask VideoCodecType VideoConfiguration_2 VideoContainer VideoFrame VideoFrameHeader
  VideoReadyState VirtualKey WindowsPointerFlags XInputButtons`.split(/\s+/);

const declarations = `${readFileSync(`${ROOT}/index.d.ts`, "utf8")}\n${readFileSync(`${ROOT}/js/sdk/enums.d.ts`, "utf8")}`;
const exported = new Set([...declarations.matchAll(/^export (?:declare )?(?:interface|class|type|enum|const|function) (\w+)/gm)].map((m) => m[1]));

test("index.d.ts exports every name of @rainway/web 0.5's reference", () => {
  assert.deepEqual(RAINWAY_05_NAMES.filter((name) => !exported.has(name)), []);
});

test("tests/types/usage.ts uses every name index.d.ts exports", () => {
  const usage = readFileSync(`${ROOT}/tests/types/usage.ts`, "utf8");
  const unused = [...exported].filter((name) => !new RegExp(`\\b${name}\\b`).test(usage));
  assert.deepEqual(unused, [], "add a use of each to tests/types/usage.ts");
});

test("tsc --strict accepts tests/types/usage.ts and rejects each line of tests/types/misuse.ts", () => {
  const result = spawnSync(process.execPath, [`${ROOT}/node_modules/typescript/bin/tsc`, "-p", `${ROOT}/tests/types`], {
    encoding: "utf8",
  });
  assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
});
