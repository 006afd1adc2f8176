// The default export: the SDK object apps call `rainway.connect(...)` on.
import { EventEmitter } from "./events.js";
import { Messages, RainwayError } from "./errors.js";
import { LogLevel } from "./enums.js";
import { DEFAULT_LOG_LEVEL, LOG_TARGETS, createLog, describeUrl } from "./log.js";
import { RainwayConnection } from "./connection.js";
import { checkIceOptions } from "./ice-servers.js";
import { Runtime } from "./runtime.js";
import { openGatewaySocket } from "../platform/websocket.js";
import { resolveGatewayUrl, resumeTokenStore } from "../platform/environment.js";
import { resumeScope } from "./access-token.js";

export const SDK_VERSION = "0.1.0";
const DEFAULT_CONNECT_TIMEOUT_MS = 30000;
/** A peer that stays Disconnected this long (its other side is most likely gone) is closed. */
const DEFAULT_DISCONNECTED_TIMEOUT_MS = 15000;
/** The gateway link's heartbeat: a ping this often, dead when one is unanswered this long. */
const DEFAULT_HEARTBEAT_INTERVAL_MS = 5000;
const DEFAULT_HEARTBEAT_TIMEOUT_MS = 10000;
/** Reconnection after a loss: delays doubling from min to max (with jitter), "close" after giveUpAfterMs. */
export const DEFAULT_RECONNECT = Object.freeze({ minDelayMs: 500, maxDelayMs: 30000, giveUpAfterMs: 300000 });
const DAY_MS = 86400000;

/** Checks the reconnect option (true, false or {minDelayMs, maxDelayMs, giveUpAfterMs}); returns the core's policy. */
function reconnectPolicy(reconnect) {
  if (reconnect === false) return { retryMinMs: DEFAULT_RECONNECT.minDelayMs, retryMaxMs: DEFAULT_RECONNECT.maxDelayMs, giveUpMs: 0 };
  if (reconnect !== true && (reconnect === null || typeof reconnect !== "object")) {
    throw new RainwayError("reconnect must be true, false or an object {minDelayMs, maxDelayMs, giveUpAfterMs}.");
  }
  const { minDelayMs, maxDelayMs, giveUpAfterMs } = { ...DEFAULT_RECONNECT, ...(reconnect === true ? {} : reconnect) };
  const ms = (value) => Number.isFinite(value) && value > 0 && value <= DAY_MS;
  if (!ms(minDelayMs) || !ms(maxDelayMs) || maxDelayMs < minDelayMs) {
    throw new RainwayError("reconnect.minDelayMs and maxDelayMs must be positive numbers of milliseconds (at most a day), minDelayMs <= maxDelayMs.");
  }
  if (!(giveUpAfterMs === Infinity || ms(giveUpAfterMs))) {
    throw new RainwayError("reconnect.giveUpAfterMs must be a positive number of milliseconds (at most a day) or Infinity.");
  }
  return { retryMinMs: minDelayMs, retryMaxMs: maxDelayMs, giveUpMs: giveUpAfterMs === Infinity ? -1 : giveUpAfterMs };
}

/** Checks and completes connect() options; throws RainwayError for bad input. */
function connectOptions(options) {
  if (options === null || typeof options !== "object") {
    throw new RainwayError("rainway.connect(options) needs an options object with an apiKey.");
  }
  const {
    apiKey,
    externalId = "",
    gatewayUrl,
    connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS,
    disconnectedTimeoutMs = DEFAULT_DISCONNECTED_TIMEOUT_MS,
    resumeToken,
    reconnect = true,
    heartbeatIntervalMs = DEFAULT_HEARTBEAT_INTERVAL_MS,
    heartbeatTimeoutMs = DEFAULT_HEARTBEAT_TIMEOUT_MS,
    iceServers,
    iceTransportPolicy,
    mediaWorker = true,
  } = options;
  // The same limits as the gateway protocol (docs/PROTOCOL.md), checked here for a clear message.
  if (typeof apiKey !== "string" || !/^[\x21-\x7e]{1,128}$/.test(apiKey)) throw new RainwayError(Messages.invalidKey);
  if (typeof externalId !== "string" || new TextEncoder().encode(externalId).length > 256 || /[\x00-\x1f\x7f-\x9f]/.test(externalId)) {
    throw new RainwayError("externalId must be a string of at most 256 UTF-8 bytes without control characters.");
  }
  if (!(Number.isFinite(connectTimeoutMs) && connectTimeoutMs > 0)) {
    throw new RainwayError("connectTimeoutMs must be a positive number of milliseconds.");
  }
  if (!(Number.isFinite(disconnectedTimeoutMs) && disconnectedTimeoutMs > 0 && disconnectedTimeoutMs <= 86400000)) {
    throw new RainwayError("disconnectedTimeoutMs must be a positive number of milliseconds (at most a day).");
  }
  if (!(Number.isFinite(heartbeatIntervalMs) && heartbeatIntervalMs >= 0 && heartbeatIntervalMs <= DAY_MS)) {
    throw new RainwayError("heartbeatIntervalMs must be a number of milliseconds (0 turns the heartbeat off; at most a day).");
  }
  if (!(Number.isFinite(heartbeatTimeoutMs) && heartbeatTimeoutMs > 0 && heartbeatTimeoutMs <= DAY_MS)) {
    throw new RainwayError("heartbeatTimeoutMs must be a positive number of milliseconds (at most a day).");
  }
  const liveness = { pingIntervalMs: heartbeatIntervalMs, pingTimeoutMs: heartbeatTimeoutMs, ...reconnectPolicy(reconnect) };
  const url = resolveGatewayUrl(gatewayUrl);
  if (!url) {
    throw new RainwayError("No gateway URL: pass gatewayUrl, or set PETRICHOR_GATEWAY_URL.");
  }
  const ice = checkIceOptions(iceServers, iceTransportPolicy);
  if (typeof mediaWorker !== "boolean") throw new RainwayError("mediaWorker must be true (streams play in a worker where the browser allows) or false.");
  return { apiKey, externalId, gatewayUrl: url, connectTimeoutMs, disconnectedTimeoutMs, resumeToken, liveness, ice, mediaWorker };
}

export class RainwaySDK extends EventEmitter {
  #runtime = null;
  #logLevel = DEFAULT_LOG_LEVEL;
  // The sink of every log the SDK's objects write (js/sdk/log.js).
  #logSink = {
    wants: (level) => level <= this.#logLevel && level > LogLevel.Silent && this.listenerCount("log") > 0,
    write: (level, target, message) => this.log(level, target, message),
  };
  #log = createLog(this.#logSink, LOG_TARGETS.Runtime);

  get version() {
    return SDK_VERSION;
  }

  /**
   * Petrichor: the most detailed level the "log" event carries (default LogLevel.Info; Silent: none).
   * 0.5 had no setter and sent every line; its apps filter by level themselves, which still works.
   */
  get logLevel() {
    return this.#logLevel;
  }

  set logLevel(level) {
    if (!Number.isInteger(level) || LogLevel[level] === undefined) {
      throw new RainwayError(`logLevel must be a LogLevel (${LogLevel.Silent} Silent to ${LogLevel.Trace} Trace), not ${String(level)}.`);
    }
    this.#logLevel = level;
  }

  /**
   * Emits a line to the "log" event: (level, target, message). A handler that throws does not break
   * the SDK's work in progress: its error is rethrown on its own (an uncaught exception, as before).
   */
  log(level, target, message) {
    try {
      this.emit("log", level, target, message);
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }

  #loadRuntime() {
    this.#runtime ??= Runtime.create().then((runtime) => {
      runtime.onError = (error) => this.#log(LogLevel.Error, () => `an output could not be handled: ${error?.stack ?? error}`);
      this.#log(LogLevel.Debug, "the core is loaded");
      return runtime;
    }, (error) => {
      this.#runtime = null; // a later call may retry
      throw new RainwayError(`The Petrichor core could not be loaded: ${error.message}`, { cause: error });
    });
    return this.#runtime;
  }

  /** Connects to the gateway; resolves with a RainwayConnection after the gateway's hello. */
  async connect(options) {
    const settings = connectOptions(options);
    const runtime = await this.#loadRuntime();
    const store = resumeTokenStore(settings.gatewayUrl, resumeScope(settings.apiKey));
    const resumeToken = settings.resumeToken ?? store.load() ?? "";
    const log = createLog(this.#logSink, LOG_TARGETS.Gateway);
    log(LogLevel.Debug, () => `connecting to ${describeUrl(settings.gatewayUrl)} (external id "${settings.externalId}"${resumeToken ? ", with a resume token" : ""})`);

    let connection = null;
    let settle;
    const outcome = new Promise((resolve, reject) => {
      settle = { resolve, reject };
    });
    const timer = setTimeout(
      () => settle.reject(new RainwayError(Messages.timedOut("Connecting to the Rainway gateway", settings.connectTimeoutMs))),
      settings.connectTimeoutMs,
    );
    let socket;
    try {
      socket = await openGatewaySocket(settings.gatewayUrl, {
        onOpen: () => {
          const opened = runtime.open(
            (core, now) =>
              core.connectionOpen({ apiKey: settings.apiKey, externalId: settings.externalId, resumeToken }, now),
            (handle) => {
              connection = new RainwayConnection({ runtime, handle, socket, options: settings, log, store });
              connection.whenReady().then(settle.resolve, settle.reject);
              connection.configure(settings.liveness);
              return connection;
            },
          );
          if (typeof opened === "number") {
            settle.reject(new RainwayError(`Couldn't open the gateway connection: ${runtime.core.errorName(opened)}`));
          }
        },
        onMessage: (message) => connection?.socketMessage(message, socket),
        onClose: (event) => {
          if (connection) connection.socketClosed(event, socket);
          else settle.reject(new RainwayError(Messages.apiUnreachable));
        },
      });
      await outcome;
    } catch (error) {
      if (connection) connection.close();
      else socket?.close(3000, "connect failed");
      throw error instanceof RainwayError ? error : new RainwayError(Messages.apiUnreachable, { cause: error });
    } finally {
      clearTimeout(timer);
    }
    if (connection.resumeToken) store.save(connection.resumeToken);
    log(LogLevel.Info, `connected to ${describeUrl(settings.gatewayUrl)} as peer ${connection.id}`);
    return connection;
  }

  /**
   * Petrichor extension: what the core holds right now ({heapBytes, liveObjects, outputBufferBytes}),
   * for leak checks and debugging. Loads the core if it is not loaded yet.
   */
  async diagnostics() {
    const { core } = await this.#loadRuntime();
    return { heapBytes: core.wasm.heapUsed(), liveObjects: core.liveObjects(), outputBufferBytes: core.scratchBytes };
  }

  /** Thin wrapper over navigator.mediaCapabilities.decodingInfo, as in the original. */
  async getMediaCapabilities(config) {
    const capabilities = globalThis.navigator?.mediaCapabilities;
    if (!capabilities) throw new RainwayError("navigator.mediaCapabilities is not available on this platform.");
    return capabilities.decodingInfo(config);
  }
}
