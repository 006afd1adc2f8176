// Types of "petrichor/host" (Node only).
import type { InputLevel, RainwayConnection, OutboundStream, PeerId } from "../../index.js";

export * from "./ffmpeg-source.js";

export interface HostOptions {
  gatewayUrl: string;
  apiKey: string;
  /** Default "petrichor-host". */
  externalId?: string;
  /** An existing X display to stream, e.g. ":0" … */
  display?: string;
  /**
   * … or a command to run in a virtual display (Xvfb) of width × height at first (default 1280 × 720),
   * then of each client's viewport size (ViewportResize), within 320 × 240 … 3840 × 2160.
   */
  app?: string;
  width?: number;
  height?: number;
  /** Accept peers with these external ids … */
  allow?: string[];
  /** … or every peer of the organisation. */
  acceptAll?: boolean;
  /** The InputLevel granted to clients (default InputLevel.All). */
  permissions?: InputLevel;
  /** Default 30. */
  fps?: number;
  /** Starting video bits per second (default 2,000,000). */
  bitrate?: number;
  software?: boolean;
  /** A file that keeps the host's peer id across restarts. */
  resumeTokenFile?: string;
  /**
   * Environment variables for the native program and the app, over process.env: e.g. PULSE_SERVER,
   * the sound server whose default monitor becomes the stream's audio (none reachable: no audio).
   */
  env?: Record<string, string>;
  /** Streams at once, in total (default 4) and per peer (default 1); more requests are rejected. */
  maxStreams?: number;
  maxStreamsPerPeer?: number;
  /** Called with each peer accepted (e.g. to answer its data channels). */
  onPeer?: (peer: import("../../index.js").Peer) => void;
  log?: (message: string) => void;
}

export interface RunningHost {
  readonly id: PeerId;
  readonly display: string;
  readonly connection: RainwayConnection;
  readonly streams: ReadonlySet<OutboundStream>;
  close(): void;
}

/** Streams a Linux X display (or one app in a virtual display) and injects the input it is granted. */
export declare function startHost(options: HostOptions): Promise<RunningHost>;

export interface VirtualDisplay {
  readonly display: string;
  readonly width: number;
  readonly height: number;
  /** The framebuffer: the largest the screen can become with RandR. */
  readonly maxWidth: number;
  readonly maxHeight: number;
  readonly exited: Promise<unknown>;
  stop(): void;
}

/**
 * Starts Debian's Xvfb on a free display number, its screen width × height (default 1280 × 720) in a
 * framebuffer of maxWidth × maxHeight (default the same; larger needs the native host program, resizer).
 */
export declare function startVirtualDisplay(options?: {
  width?: number;
  height?: number;
  maxWidth?: number;
  maxHeight?: number;
  xvfb?: string;
  resizer?: string;
}): Promise<VirtualDisplay>;
