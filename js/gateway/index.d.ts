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

/**
 * TURN credentials in the TURN REST API scheme (coturn's `use-auth-secret`): username
 * "<expiry unix seconds>:<peer id>", credential base64(HMAC-SHA1(secret, username)).
 */
export interface GatewayTurnOptions {
  /** turn: or turns: URLs of the TURN server, e.g. "turn:turn.example.com:3478"; 1 … 4 of them. */
  urls: string | string[];
  /**
   * The TURN server's `static-auth-secret`, at least 16 bytes. When undefined, PETRICHOR_TURN_SECRET
   * is read.
   */
  secret?: string | Uint8Array;
  /**
   * How long credentials are valid after they were issued, in whole seconds (1 … 2,592,000). A client
   * gets fresh ones in every hello and, once half of this has passed, in a pong. Default 86,400 (a day).
   */
  ttlSeconds?: number;
}

export type GatewayLogLevel = "debug" | "info" | "warn" | "error";

/**
 * Bounds on what one client, one address or one organisation can make the gateway hold or do
 * (docs/SECURITY.md, "The gateway"). Every field is a positive number; omitted fields keep their
 * defaults (`DEFAULT_LIMITS`). A message costs one credit per started 8 KiB (1 … 8).
 */
export interface GatewayLimits {
  /**
   * Message credits per second one connection may spend steadily; answers (accept, reject) to
   * connection requests made to it are free. Default 100.
   */
  messagesPerSecond?: number;
  /** Credits a connection may spend at once (its bucket's size; at least 8). Default 400. */
  messageBurst?: number;
  /**
   * Messages that may wait, undecoded, beyond the rate (the socket is not read meanwhile); one more
   * and the client is cut off with a fatal RecordOverflow (close 4020). Default 4,096.
   */
  maxDelayedMessages?: number;
  /**
   * Messages of one connection the gateway may refuse (each with a warning) per second, and at
   * once; past them the client is cut off with a fatal RecordOverflow (close 4020). Defaults 10, 100.
   */
  refusedPerSecond?: number;
  refusedBurst?: number;
  /** Bytes held unsent for one socket; past this a client that does not read is dropped. Default 2 MiB. */
  maxSendBufferBytes?: number;
  /** Pending connection attempts one peer may have opened. Default 64. */
  maxPendingPerRequester?: number;
  /** Pending connection attempts towards one peer, from everyone. Default 256. */
  maxPendingPerTarget?: number;
  /** A pending attempt unanswered this long expires (requester: PeerGoneAway; target: cancel). Default 90,000. */
  pendingAttemptTimeoutMs?: number;
  /** Open connections per IPv4 address or IPv6 /64; more are refused with HTTP 429. Default 1,024. */
  maxConnectionsPerAddress?: number;
  /** Connections per address not yet past their hello; more are refused with HTTP 429. Default 128. */
  maxHandshakesPerAddress?: number;
  /** Hellos with an unknown API key an address may send before its key checks are spaced out. Default 10. */
  failedHellosBeforeDelay?: number;
  /** Spacing after the first failure past the free ones; doubles with each further failure. Default 100. */
  failedHelloDelayMs?: number;
  /** Largest spacing; a hello that would wait longer is refused unchecked (AccessDenied). Default 5,000. */
  maxFailedHelloDelayMs?: number;
  /** One remembered failure is forgotten per this many milliseconds. Default 60,000. */
  failedHelloForgetMs?: number;
}

/** How a gateway uses the Redis that links it to the other gateway processes. */
export interface GatewayRedisOptions {
  /** redis:// or rediss:// URL, with the user and password when Redis wants them. */
  url: string;
  /** Prefix of every key and channel, so that several clusters can share one Redis. Default "petrichor:". */
  prefix?: string;
  /** How often this process renews its liveness (ms, at least 100). Default 1,000. */
  heartbeatMs?: number;
  /**
   * A process whose liveness was not renewed for this long (ms, at least twice heartbeatMs) is dead:
   * its peers leave presence and attempts with them end. Default 5,000.
   */
  processTtlMs?: number;
}

export interface GatewayOptions {
  /** TCP port of the gateway's own HTTP server; 0 picks a free one. Ignored with `server`. Default 0. */
  port?: number;
  /** Interface of the gateway's own HTTP server. Ignored with `server`. Default "127.0.0.1". */
  host?: string;
  /**
   * API key → organisation name. Peers only reach peers of their own organisation; a hello may also
   * present an access token minted with one of these keys (`mintAccessToken`). When undefined,
   * PETRICHOR_API_KEYS is read (a JSON object, or comma-separated key=org pairs); when there are
   * still no keys, a development key is generated and returned as `devKey`.
   */
  keys?: Record<string, string>;
  /** ICE servers sent in every hello; at most 8 (7 with `turn`). Default none. */
  iceServers?: GatewayIceServer[];
  /**
   * A TURN server (such as coturn with `use-auth-secret`) to which each client gets time-limited
   * credentials of its own in its hello, after `iceServers`. Default none.
   */
  turn?: GatewayTurnOptions;
  /**
   * The Redis that links several gateway processes (docs/ARCHITECTURE.md, "Several gateways"): a
   * redis:// or rediss:// URL (`redis://user:password@host:6379/0`), or options with one. Peers of
   * every process that shares it reach each other; give them all the same `resumeSecret`. Needs the
   * `ioredis` package. Default none: this process is on its own.
   */
  redis?: string | GatewayRedisOptions;
  /** WebSocket path. Default "/gateway". */
  path?: string;
  /**
   * An existing HTTP server to share: upgrades on `path` go to the gateway, upgrades on other paths
   * are destroyed. The gateway neither listens on it nor closes it.
   */
  server?: HttpServerLike;
  /**
   * PEM certificate chain and private key: the gateway's own server speaks HTTPS, clients connect with
   * wss:// (`url` says so). Ignored with `server` (an attached `https.Server` gives wss:// URLs too).
   */
  tls?: { cert: string | Uint8Array; key: string | Uint8Array };
  /** Receives diagnostics. Default: silent. */
  log?: (level: GatewayLogLevel, message: string) => void;
  /** A client that sends no hello within this time is closed (UnexpectedMessage). Default 10,000. */
  helloTimeoutMs?: number;
  /** WebSocket ping interval; clients that miss a ping are dropped. Default 15,000. */
  pingIntervalMs?: number;
  /** Overrides of the gateway's limits. */
  limits?: GatewayLimits;
  /**
   * Origins (e.g. "https://app.example") whose pages may connect: an upgrade whose Origin header
   * is not one of them is refused with HTTP 403. Upgrades without an Origin header (non-browser
   * clients) are not affected. Default: every origin.
   */
  allowedOrigins?: string[];
  /**
   * The key resume tokens are signed with (HMAC-SHA256 over organisation, peer id and expiry): a
   * string or bytes, at least 16 bytes. Gateways started with the same secret (this one after a
   * restart, or several behind one address) honour each other's tokens. When undefined,
   * PETRICHOR_RESUME_SECRET is read; when that is unset too, a random secret is generated and
   * tokens are honoured only until this gateway stops.
   */
  resumeSecret?: string | Uint8Array;
  /**
   * How long a resume token is honoured after it was issued (at least 1,000). Connected peers get a
   * fresh one in every hello and in a pong once half of this has passed. Default 172,800,000 (48 h).
   */
  resumeTokenTtlMs?: number;
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
  /** Petrichor's own: another connection took over this session's peer id with its resume token (close 4091). */
  SessionReplaced: 91;
}>;

export interface MintAccessTokenOptions {
  /** One of the gateway's API keys: the token admits to its organisation, and dies with it. */
  apiKey: string;
  /**
   * The externalId the token is for: a hello presenting it must carry this externalId (the page passes
   * the same one to `rainway.connect`). At most 256 bytes of UTF-8, no control characters. Default "".
   */
  externalId?: string;
  /** How long the token admits new sessions, in whole seconds, 1 … 86,400. Default 300. */
  ttlSeconds?: number;
  /** The time of minting, in ms since 1970. Default: now. */
  now?: number;
}

/**
 * Mints an access token (docs/PROTOCOL.md, "Access tokens") on an app's backend: a page passes it to
 * `rainway.connect({ apiKey: token, externalId })` instead of the API key, which then never reaches
 * the page. Signed with a key derived from `apiKey`, so any gateway holding that key honours it,
 * until it expires, for this externalId only. A session started with it reconnects after the expiry
 * with its resume token. Throws a TypeError for options no hello could carry.
 */
export function mintAccessToken(options: MintAccessTokenOptions): string;

/** An access token's lifetime when `ttlSeconds` is not given, in seconds (300). */
export declare const DEFAULT_ACCESS_TOKEN_TTL_SECONDS: number;

/** The longest lifetime of an access token, in seconds (86,400: a day). */
export declare const MAX_ACCESS_TOKEN_TTL_SECONDS: number;

/** How long a resume token is honoured by default after it was issued, in ms (48 h). */
export declare const RESUME_TOKEN_TTL_MS: number;

/** The default of every gateway limit. */
export declare const DEFAULT_LIMITS: Readonly<Required<GatewayLimits>>;

/** How long TURN credentials are valid by default after they were issued, in seconds (a day). */
export declare const DEFAULT_TURN_TTL_SECONDS: number;

/** Lowest and highest gateway protocol versions this gateway speaks. */
export declare const MIN_VERSION: number;
export declare const MAX_VERSION: number;
