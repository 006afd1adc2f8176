// The public enums of the Rainway Web SDK 0.5, with the same names and numbers. Like TypeScript's
// numeric enums they map both ways (LogLevel.Info === 3, LogLevel[3] === "Info"); apps rely on that.

// Without side effects, so that a bundle drops the enums it does not use (the media worker's).
/* @__NO_SIDE_EFFECTS__ */
function numericEnum(members) {
  const result = {};
  for (const [name, value] of Object.entries(members)) {
    result[name] = value;
    // Like TypeScript: for aliases (InputLevel.All, Gamepad) the later name wins the reverse entry.
    result[value] = name;
  }
  return Object.freeze(result);
}

export const AudioCodec = numericEnum({
  Opus: 0,
  Aac: 1,
});

export const AudioContainer = numericEnum({
  Raw: 0,
  WebM: 1,
  IsoBMFF: 2,
});

export const ButtonAction = numericEnum({
  ButtonDown: 0,
  ButtonUp: 1,
});

export const DataChannelMode = numericEnum({
  Unreliable: 0,
  Reliable: 1,
});

export const InputLevel = numericEnum({
  None: 0,
  GamepadPort1: 1,
  GamepadPort2: 2,
  GamepadPort3: 4,
  GamepadPort4: 8,
  Gamepad: 15,
  Mouse: 16,
  Keyboard: 32,
  Clipboard: 64,
  All: 63,
});

export const InputType = numericEnum({
  Gamepad: 0,
  MouseAbsolute: 1,
  MouseRelative: 2,
  MouseClick: 3,
  MouseScroll: 4,
  Keyboard: 5,
  PasteText: 6,
  TouchesAbsolute: 7,
  PenAbsolute: 8,
  ViewportResize: 9,
  SetClipboardText: 10,
});

export const KeyboardAction = numericEnum({
  KeyDown: 0,
  KeyUp: 1,
});

export const LogLevel = numericEnum({
  Silent: 0,
  Error: 1,
  Warning: 2,
  Info: 3,
  Debug: 4,
  Trace: 5,
});

export const MessageEventType = numericEnum({
  Standalone: 0,
  Request: 1,
});

export const MouseButton = numericEnum({
  Left: 0,
  Right: 1,
  Middle: 2,
  X1: 3,
  X2: 4,
});

export const PeerState = numericEnum({
  New: 0,
  Connecting: 1,
  Connected: 2,
  Disconnected: 3,
  Failed: 4,
});

export const PenFlags = numericEnum({
  Barrel: 1,
  Inverted: 2,
  Eraser: 4,
});

export const PenMask = numericEnum({
  Pressure: 1,
  Rotation: 2,
  TiltX: 4,
  TiltY: 8,
});

export const ScrollAxis = numericEnum({
  Horizontal: 0,
  Vertical: 1,
});

export const StreamFit = numericEnum({
  IsolatedApps: 0,
  FullDesktop: 1,
});

export const StreamType = numericEnum({
  Unknown: 0,
  FullDesktop: 1,
  AppIsolation: 2,
  Byofb: 3,
});

export const TouchMask = numericEnum({
  ContactArea: 1,
  Orientation: 2,
  Pressure: 4,
});

export const VideoCodecType = numericEnum({
  Baseline: 1,
  Main: 2,
  High: 4,
  H264: 7,
  H265: 8,
});

export const VideoContainer = numericEnum({
  Raw: 0,
  IsoBMFF: 1,
});

export const VideoReadyState = numericEnum({
  Detached: 0,
  Initializing: 1,
  WaitingForKeyframe: 2,
  Playing: 3,
  Paused: 4,
  Disposed: 5,
});

export const WindowsPointerFlags = numericEnum({
  New: 1,
  InRange: 2,
  InContact: 4,
  FirstButton: 16,
  SecondButton: 32,
  ThirdButton: 64,
  FourthButton: 128,
  FifthButton: 256,
  Primary: 8192,
  Confidence: 16384,
  Canceled: 32768,
  Down: 65536,
  Update: 131072,
  Up: 262144,
  Wheel: 524288,
  HWheel: 1048576,
  CaptureChanged: 2097152,
  HasTransform: 4194304,
});

export const XInputButtons = numericEnum({
  None: 0,
  DpadUp: 1,
  DpadDown: 2,
  DpadLeft: 4,
  DpadRight: 8,
  Start: 16,
  Back: 32,
  LeftStick: 64,
  RightStick: 128,
  LeftBumper: 256,
  RightBumper: 512,
  Guide: 1024,
  A: 4096,
  B: 8192,
  X: 16384,
  Y: 32768,
});

export const VirtualKey = numericEnum({
  None: 0,
  Cancel: 1,
  Back: 2,
  Tab: 3,
  LineFeed: 4,
  Clear: 5,
  Enter: 6,
  Pause: 7,
  CapsLock: 8,
  HangulMode: 9,
  JunjaMode: 10,
  FinalMode: 11,
  HanjaMode: 12,
  Escape: 13,
  ImeConvert: 14,
  ImeNonConvert: 15,
  ImeAccept: 16,
  ImeModeChange: 17,
  Space: 18,
  PageUp: 19,
  PageDown: 20,
  End: 21,
  Home: 22,
  Left: 23,
  Up: 24,
  Right: 25,
  Down: 26,
  Select: 27,
  Print: 28,
  Execute: 29,
  PrintScreen: 30,
  Insert: 31,
  Delete: 32,
  Help: 33,
  D0: 34,
  D1: 35,
  D2: 36,
  D3: 37,
  D4: 38,
  D5: 39,
  D6: 40,
  D7: 41,
  D8: 42,
  D9: 43,
  A: 44,
  B: 45,
  C: 46,
  D: 47,
  E: 48,
  F: 49,
  G: 50,
  H: 51,
  I: 52,
  J: 53,
  K: 54,
  L: 55,
  M: 56,
  N: 57,
  O: 58,
  P: 59,
  Q: 60,
  R: 61,
  S: 62,
  T: 63,
  U: 64,
  V: 65,
  W: 66,
  X: 67,
  Y: 68,
  Z: 69,
  LWin: 70,
  RWin: 71,
  Apps: 72,
  Sleep: 73,
  NumPad0: 74,
  NumPad1: 75,
  NumPad2: 76,
  NumPad3: 77,
  NumPad4: 78,
  NumPad5: 79,
  NumPad6: 80,
  NumPad7: 81,
  NumPad8: 82,
  NumPad9: 83,
  Multiply: 84,
  Add: 85,
  Separator: 86,
  Subtract: 87,
  Decimal: 88,
  Divide: 89,
  F1: 90,
  F2: 91,
  F3: 92,
  F4: 93,
  F5: 94,
  F6: 95,
  F7: 96,
  F8: 97,
  F9: 98,
  F10: 99,
  F11: 100,
  F12: 101,
  F13: 102,
  F14: 103,
  F15: 104,
  F16: 105,
  F17: 106,
  F18: 107,
  F19: 108,
  F20: 109,
  F21: 110,
  F22: 111,
  F23: 112,
  F24: 113,
  NumLock: 114,
  Scroll: 115,
  LeftShift: 116,
  RightShift: 117,
  LeftCtrl: 118,
  RightCtrl: 119,
  LeftAlt: 120,
  RightAlt: 121,
  BrowserBack: 122,
  BrowserForward: 123,
  BrowserRefresh: 124,
  BrowserStop: 125,
  BrowserSearch: 126,
  BrowserFavorites: 127,
  BrowserHome: 128,
  VolumeMute: 129,
  VolumeDown: 130,
  VolumeUp: 131,
  MediaNextTrack: 132,
  MediaPreviousTrack: 133,
  MediaStop: 134,
  MediaPlayPause: 135,
  LaunchMail: 136,
  SelectMedia: 137,
  LaunchApplication1: 138,
  LaunchApplication2: 139,
  Oem1: 140,
  OemPlus: 141,
  OemComma: 142,
  OemMinus: 143,
  OemPeriod: 144,
  Oem2: 145,
  Oem3: 146,
  AbntC1: 147,
  AbntC2: 148,
  Oem4: 149,
  Oem5: 150,
  Oem6: 151,
  Oem7: 152,
  Oem8: 153,
  Oem102: 154,
  ImeProcessed: 155,
  System: 156,
  OemAttn: 157,
  OemFinish: 158,
  OemCopy: 159,
  OemAuto: 160,
  OemEnlw: 161,
  OemBackTab: 162,
  Attn: 163,
  CrSel: 164,
  ExSel: 165,
  EraseEof: 166,
  Play: 167,
  Zoom: 168,
  NoName: 169,
  Pa1: 170,
  OemClear: 171,
  DeadCharProcessed: 172,
});
