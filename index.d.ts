// Public types of Petrichor (import from "petrichor", or "@rainway/web" when aliased).
import { LogLevel, PeerState } from "./js/sdk/enums.js";

export * from "./js/sdk/enums.js";
export { createCore, Core, CoreOptions, CoreOutput } from "./js/core/core.js";

/** Peer ids are 63-bit integers. */
export type PeerId = bigint;

export type EventHandler<Args extends unknown[]> = (...args: Args) => void | Promise<void>;
export type EventName<Events> = keyof Events & string;

/** Handlers run synchronously in registration order with positional arguments. */
export declare class EventEmitter<Events extends { [name: string]: unknown[] }> {
  addEventListener<E extends EventName<Events>>(name: E, handler: EventHandler<Events[E]>): void;
  /** Without a handler, removes every handler of the event. */
  removeEventListener<E extends EventName<Events>>(name: E, handler?: EventHandler<Events[E]>): void;
  removeAllEventListeners(): void;
  emit<E extends EventName<Events>>(name: E, ...args: Events[E]): void;
}

/** Every failure the SDK reports; the message starts with "Rainway SDK Error: ". */
export declare class RainwayError extends Error {
  constructor(message: string, options?: { cause?: unknown });
}

export interface RainwayConnectOptions {
  apiKey: string;
  externalId?: string;
  /** ws:// or wss:// URL of the gateway; defaults to PETRICHOR_GATEWAY_URL, then /gateway on the page's origin. */
  gatewayUrl?: string;
  /** Timeout of rainway.connect and of each conn.connect / request.accept, in ms (default 30000). */
  connectTimeoutMs?: number;
  /** Asks for the peer id this token was issued with (browsers keep theirs in localStorage). */
  resumeToken?: string;
}

export interface RainwayEvents {
  log: [level: LogLevel, target: string, message: string];
  [name: string]: unknown[];
}

export interface VideoConfiguration_2 {
  contentType: string;
  width: number;
  height: number;
  bitrate: number;
  framerate: number;
}

export interface DecodingInfo {
  supported: boolean;
  smooth: boolean;
  powerEfficient: boolean;
}

export declare class RainwaySDK extends EventEmitter<RainwayEvents> {
  readonly version: string;
  connect(options: RainwayConnectOptions): Promise<RainwayConnection>;
  getMediaCapabilities(config: { type: string; video?: VideoConfiguration_2; audio?: unknown }): Promise<DecodingInfo>;
}

export interface PeerConnectionRequest {
  id: PeerId;
  externalId: string;
  /** Resolves once the peer-to-peer link is up and the peer is in conn.peers. */
  accept(): Promise<Peer>;
  /** The requester's connect() rejects with this reason. */
  reject(reason: string): void;
}

export interface RainwayConnectionEvents {
  "peer-request": [request: PeerConnectionRequest];
  close: [error: RainwayError];
  [name: string]: unknown[];
}

export declare class RainwayConnection extends EventEmitter<RainwayConnectionEvents> {
  readonly id: PeerId;
  readonly externalId: string | undefined;
  /** Present it as `resumeToken` to keep this peer id on a later connect. */
  readonly resumeToken: string | undefined;
  readonly peers: Peer[];
  connect(peerId: PeerId): Promise<Peer>;
  cancelConnectionAttempt(peerId: PeerId): void;
  close(): void;
}

export interface PeerEvents {
  "connection-state-change": [state: PeerState];
  close: [];
  [name: string]: unknown[];
}

export declare class Peer extends EventEmitter<PeerEvents> {
  /** Throws a RainwayError once the peer is closed. */
  readonly connection: RainwayConnection;
  readonly id: PeerId;
  readonly externalId: string;
  readonly state: PeerState;
  /** Streams and data channels arrive with later releases; the maps are always present. */
  readonly streams: ReadonlyMap<number, unknown>;
  readonly dataChannels: ReadonlyMap<string, unknown>;
  close(): void;
}

declare const rainway: RainwaySDK;
export default rainway;

/** The SDK version. */
export declare const version: string;
