// Types of the Petrichor gateway ("petrichor/gateway"), the signaling server of docs/PROTOCOL.md.

/**
 * The parts of a Node `http.Server` (or `https.Server`) the gateway uses; declared structurally so
 * that these types do not depend on @types/node.
 */
export interface HttpServerLike {
  on(event: "upgrade", listener: (request: any, socket: any, head: any) => void): unknown;
  off(event: "upgrade", listener: (request: any, socket: any, head: any) => void): unknown;
  address(): { address: string; family: string; port: number } | string | null;
  readonly listening: boolean;
}

/** One ICE server announced to every client in the gateway's hello (shaped like RTCIceServer). */
export interface GatewayIceServer {
  /** stun:, stuns:, turn: or turns: URLs, at most 512 characters each; 1 … 4 of them. */
  urls: string | string[];
  /** At most 256 bytes. */
  username?: string;
  /** At most 256 bytes. */
  credential?: string;
}

export type GatewayLogLevel = "debug" | "info" | "warn" | "error";

export interface GatewayOptions {
  /** TCP port of the gateway's own HTTP server; 0 picks a free one. Ignored with `server`. Default 0. */
  port?: number;
  /** Interface of the gateway's own HTTP server. Ignored with `server`. Default "127.0.0.1". */
  host?: string;
  /**
   * API key → organisation name. Peers only reach peers of their own organisation. When undefined,
   * PETRICHOR_API_KEYS is read (a JSON object, or comma-separated key=org pairs); when there are
   * still no keys, a development key is generated and returned as `devKey`.
   */
  keys?: Record<string, string>;
  /** ICE servers sent in every hello; at most 8. Default none. */
  iceServers?: GatewayIceServer[];
  /** WebSocket path. Default "/gateway". */
  path?: string;
  /**
   * An existing HTTP server to share: upgrades on `path` go to the gateway, upgrades on other paths
   * are destroyed. The gateway neither listens on it nor closes it.
   */
  server?: HttpServerLike;
  /** Receives diagnostics. Default: silent. */
  log?: (level: GatewayLogLevel, message: string) => void;
  /** A client that sends no hello within this time is closed (UnexpectedMessage). Default 10,000. */
  helloTimeoutMs?: number;
  /** WebSocket ping interval; clients that miss a ping are dropped. Default 15,000. */
  pingIntervalMs?: number;
}

export interface Gateway {
  /** The ws:// URL clients connect to, e.g. "ws://127.0.0.1:8080/gateway". */
  readonly url: string;
  /** The TCP port the gateway is reached on. */
  readonly port: number;
  /** The generated development API key, when no keys were configured. */
  readonly devKey?: string;
  /**
   * Sends every client a fatal CloseNotify alert, closes them with 1001 (cutting off those that do
   * not answer within about a second) and stops listening. Idempotent.
   */
  close(): Promise<void>;
}

export function startGateway(options?: GatewayOptions): Promise<Gateway>;

/** GatewayAlertDescription codes carried by gateway alerts. */
export declare const AlertCode: Readonly<{
  CloseNotify: 0;
  UnexpectedMessage: 10;
  RecordOverflow: 20;
  AccessDenied: 49;
  DecodeError: 50;
  ProtocolVersion: 70;
  InternalError: 80;
  PeerGoneAway: 90;
}>;

/** Lowest and highest gateway protocol versions this gateway speaks. */
export declare const MIN_VERSION: number;
export declare const MAX_VERSION: number;
