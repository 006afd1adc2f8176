// Types of the core as JS sees it (js/core/core.js, js/core/wasm.js).

export declare const CoreError: Readonly<{
  Full: -5;
  QueueFull: -7;
  Malformed: -9;
  TooLarge: -10;
  MissingField: -11;
  WrongType: -12;
  BadValue: -13;
  State: -16;
  Timeout: -17;
  Closed: -22;
  Exists: -23;
  Rejected: -24;
  Unreachable: -25;
  Cancelled: -26;
}>;
export declare const OutputKind: Readonly<{ None: 0; Send: 1; Event: 2; Deadline: 3 }>;
export declare const CoreEvent: Readonly<{
  ConnectionReady: 1;
  ConnectionClosed: 2;
  PeerRequest: 3;
  RequestFailed: 4;
  RequestCancelled: 5;
  PeerCreated: 6;
  PeerSignal: 7;
  PeerState: 8;
  PeerClosed: 9;
  GatewayAlert: 10;
  ChannelOpen: 11;
  ChannelMessage: 12;
  ChannelRequestFailed: 13;
  ChannelClosed: 14;
  StreamRequested: 15;
  StreamAnnounced: 16;
  StreamRejected: 17;
  StreamJoined: 18;
  StreamLeft: 19;
  KeyframeRequested: 20;
  BitrateRequested: 21;
  StreamPermissions: 22;
  StreamFrame: 23;
  StreamClosed: 24;
  StreamInput: 25;
  ConnectionLost: 26;
  ConnectionReconnect: 27;
  ConnectionToken: 28;
  ConnectionIceServers: 29;
}>;
export declare const Transport: Readonly<{ Gateway: 1; Channel: 2; Control: 3; Video: 4; Audio: 5; Input: 6 }>;
export declare const MediaKind: Readonly<{ Video: 0; Audio: 1 }>;
export declare const STREAM_COUNTER_NAMES: readonly string[];
export declare const FRAME_EVENT_HEADER: 20;
export declare const CHANNEL_COUNTER_NAMES: readonly string[];
export declare const CHUNK_HEADER_SIZE: 20;
export declare const CHUNK_SIZE_MIN: 1024;
export declare const CHANNELS_PER_PEER_MAX: 256;
export declare const SrtpDirection: Readonly<{ Outbound: 0; Inbound: 1 }>;
export declare const SRTP_MASTER_KEY_LENGTH: 30;
export declare const SRTP_MAX_OVERHEAD: 16;

export type Bytes = string | Uint8Array | ArrayBuffer | ArrayBufferView;

export interface CoreOutput {
  kind: number;
  handle: number;
  code: number;
  payload: Uint8Array;
  deadlineMs: number;
}

export interface CoreOptions {
  /** Registry slots (default 4096). */
  maxObjects?: number;
  /** Output queue byte budget (default 64 MiB). */
  maxOutputBytes?: number;
  /** How long a gateway connection waits for the gateway's hello (default 10000 ms). */
  helloTimeoutMs?: number;
  /** Where to load petrichor.wasm from (default: dist/petrichor.wasm beside the package). */
  url?: URL | string;
  /** The module's bytes, instead of a URL. */
  bytes?: BufferSource;
}

export declare class WasmCore {
  readonly exports: Record<string, any>;
  bytes(): Uint8Array;
  view(): DataView;
  alloc(length: number): number;
  free(ptr: number): void;
  copyIn(data: Bytes, extraCapacity?: number): number;
  copyOut(ptr: number, length: number): Uint8Array;
  withBuffers<T>(values: Bytes[], fn: (...args: number[]) => T): T;
  readCString(ptr: number): string;
  errorName(code: number): string;
  heapUsed(): number;
}

export declare class Core {
  readonly wasm: WasmCore;
  readonly exports: Record<string, any>;
  errorName(code: number): string;
  drain(): CoreOutput[];
  liveObjects(): number;
  handleTimeout(nowMs: number): number;
  connectionOpen(hello: { apiKey: string; externalId?: string; resumeToken?: string }, nowMs: number): number;
  connectionReceive(handle: number, message: Bytes, nowMs: number): number;
  connectionClose(handle: number, reason: number): number;
  connectionConfigure(
    handle: number,
    liveness: { pingIntervalMs: number; pingTimeoutMs: number; retryMinMs: number; retryMaxMs: number; giveUpMs: number },
    nowMs: number,
  ): number;
  connectionSocketOpen(handle: number, nowMs: number): number;
  connectionSocketClosed(handle: number, nowMs: number): number;
  connectionState(handle: number): number;
  connectionRequest(handle: number, target: bigint | string, timeoutMs: number, nowMs: number): number;
  connectionCancel(handle: number, target: bigint | string): number;
  connectionAccept(handle: number, requestId: string, timeoutMs: number, nowMs: number): number;
  connectionReject(handle: number, requestId: string, reason: string): number;
  peerSignal(handle: number, kind: 1 | 2 | 3, data: string): number;
  peerReportRtc(handle: number, state: number, nowMs: number): number;
  peerSetDisconnectedTimeout(handle: number, timeoutMs: number): number;
  peerReportControl(handle: number, open: boolean): number;
  peerState(handle: number): number;
  peerClose(handle: number, reason: number): number;
  channelCreate(
    peer: number,
    label: string,
    options: { mode: 0 | 1; chunkSize: number; maxMessage: number; requestTimeoutMs: number; openTimeoutMs: number },
    nowMs: number,
  ): number;
  channelReportOpen(handle: number): number;
  channelSend(handle: number, kind: 0 | 1 | 2, responseTo: number, data: Bytes, nowMs: number): number;
  channelPull(handle: number, budget: number): number;
  channelBacklog(handle: number): number;
  channelReceive(handle: number, chunk: Bytes, nowMs: number): number;
  channelCounters(handle: number): Record<string, number> | null;
  channelClose(handle: number, reason: number): number;
  peerControlReceive(peer: number, text: string, nowMs: number): number;
  peerMediaReceive(peer: number, kind: 0 | 1, packet: Uint8Array, nowMs: number): number;
  peerRequestStream(peer: number, permissions: number): number;
  peerListStreams(peer: number): number;
  peerJoinStream(peer: number, streamId: number, nowMs: number): number;
  peerAnnounceStream(peer: number, announcement: string, requestId: number): number;
  peerRejectStream(peer: number, requestId: number, reason: string): number;
  streamSendFrame(stream: number, kind: 0 | 1, frame: Uint8Array, timestampUs: number, nowMs: number, channelBuffered?: number): number;
  streamSetVideoBitrate(stream: number, bitsPerSecond: number): number;
  streamEnd(stream: number, reason?: string): number;
  streamSetPermissions(stream: number, inputLevel: number): number;
  streamRequestKeyframe(stream: number, nowMs: number): number;
  streamRequestBitrate(stream: number, bitsPerSecond: number): number;
  streamCounters(stream: number): Record<string, number> | null;
  /** Hands the stream's media path to a media worker's core (a host stream only before its first frame): the stream-announce message for streamOpenReceiver or streamOpenSender, or an error code. */
  streamHandOff(stream: number): string | number;
  /** Client: sends the keyframe request a handed-off stream's receiver asked for. */
  streamSendKeyframeRequest(stream: number): number;
  /** A media worker's core: a receiver from streamHandOff's message; its handle or an error code. */
  streamOpenReceiver(announcement: string, nowMs: number): number;
  /** A media worker's core: a sender from a host stream's streamHandOff message; its handle or an error code. */
  streamOpenSender(announcement: string): number;
  /** Host: the client asked for a keyframe; the sender asks its encoder within its rate limit. */
  streamKeyframeRequested(stream: number, nowMs: number): number;
  /** Feeds one media-channel message to a receiver, or feedback to a sender (UnexpectedMessage when it is another stream's). */
  streamReceive(stream: number, kind: number, message: Uint8Array, nowMs: number): number;
  streamSendInput(stream: number, input: object, nowMs: number): { status: number; field: string };
  streamInputLevel(stream: number): number;
  streamSendRecords(stream: number, records: Uint8Array, nowMs: number): number;
  peerInputReceive(peer: number, message: Uint8Array): number;
  inputKeyCode(code: string): number;
  inputEncode(input: object): Uint8Array | number;
  srtpCreate(masterKey: Uint8Array, direction: 0 | 1): number;
  srtpProtect(handle: number, packet: Uint8Array): Uint8Array | number;
  srtpUnprotect(handle: number, packet: Uint8Array): Uint8Array | number;
  srtpDestroy(handle: number): number;
  srtpGenerateKey(): Uint8Array;
  shutdown(): void;
}

/** A stream-frame event's payload as the "frame" event's object. */
export declare function parseFrameEvent(payload: Uint8Array, assembledAt: number): { kind: "video" | "audio"; type: "key" | "delta"; timestamp: number; assemblyMs: number; assembledAt: number; data: Uint8Array };
/** Loads a fresh core module instance and starts its core. */
export declare function createCore(options?: CoreOptions): Promise<Core>;
/** A core from an already compiled module (a media worker gets the page's WebAssembly.Module). */
export declare function createCoreFromModule(module: WebAssembly.Module, options?: CoreOptions): Promise<Core>;
