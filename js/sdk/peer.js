// Peer: a facade over a core peer handle and its PeerLink (the RTCPeerConnection). The core decides
// the state; this object mirrors it and turns core events into the public events.
import { EventEmitter } from "./events.js";
import { Messages, RainwayError } from "./errors.js";
import { PeerState } from "./enums.js";
import { CoreEvents } from "./runtime.js";

const SIGNAL_KINDS = { offer: 1, answer: 2, candidate: 3 };
const PT_ERR_CLOSED = -22;
const PT_ERR_TIMEOUT = -17;

export class Peer extends EventEmitter {
  #runtime;
  #handle;
  #connection;
  #link = null;
  #state = PeerState.New;
  #ready; // {resolve, reject, timeoutMs} until the peer is first Connected
  #closed = false;

  /** @internal Created by RainwayConnection when the core reports a new peer. */
  constructor({ runtime, handle, connection, id, externalId, ready, log }) {
    super();
    this.#runtime = runtime;
    this.#handle = handle;
    this.#connection = connection;
    this.#ready = ready;
    this.log = log;
    /** @type {bigint} */
    this.id = id;
    this.externalId = externalId;
    this.streams = new Map();
    this.dataChannels = new Map();
    runtime.register(handle, this);
  }

  get connection() {
    if (this.#closed) throw new RainwayError(Messages.connectionDisposed);
    return this.#connection;
  }

  get state() {
    return this.#state;
  }

  /** @internal */
  get disconnected() {
    return this.#closed;
  }

  /** @internal Starts the RTCPeerConnection once the facade exists. */
  attachLink(link) {
    this.#link = link;
    link.start();
  }

  /** @internal Glue → core reports. */
  reportSignal(kind, data) {
    const status = this.#runtime.call((core) => core.peerSignal(this.#handle, SIGNAL_KINDS[kind], JSON.stringify(data)));
    if (status < 0) this.log(2, `signal ${kind} to ${this.id} not sent: ${this.#runtime.core.errorName(status)}`);
  }

  reportRtcState(code) {
    this.#runtime.call((core) => core.peerReportRtc(this.#handle, code));
  }

  reportControlOpen(open) {
    this.#runtime.call((core) => core.peerReportControl(this.#handle, open));
  }

  reportError(error) {
    this.log(1, `peer ${this.id}: ${error?.message ?? error}`);
    this.#runtime.call((core) => core.peerClose(this.#handle, PT_ERR_CLOSED));
  }

  /** @internal Core → facade. */
  onEvent(code, payload) {
    if (code === CoreEvents.PeerSignal) {
      this.#link?.handleSignal(payload.kind, payload.data);
    } else if (code === CoreEvents.PeerState) {
      this.#setState(payload.state);
    } else if (code === CoreEvents.PeerClosed) {
      this.#dispose(payload);
    }
  }

  #setState(state) {
    this.#state = state;
    if (this.#ready) {
      if (state === PeerState.Connected) {
        const { resolve } = this.#ready;
        this.#ready = null;
        this.#connection._addPeer(this);
        resolve(this);
      }
      return; // until the promise resolves nobody can listen yet; changes before then are not events
    }
    this.emit("connection-state-change", state);
  }

  #dispose({ code }) {
    if (this.#closed) return;
    this.#closed = true;
    this.#runtime.unregister(this.#handle);
    this.#link?.close();
    const wasReady = !this.#ready;
    if (this.#ready) {
      const { reject, timeoutMs } = this.#ready;
      this.#ready = null;
      reject(
        new RainwayError(
          code === PT_ERR_TIMEOUT
            ? Messages.timedOut(`The connection to ${this.id}`, timeoutMs)
            : `The connection to ${this.id} failed before it was established.`,
        ),
      );
    }
    if (this.#state !== PeerState.Failed) {
      this.#state = PeerState.Failed;
      if (wasReady) this.emit("connection-state-change", PeerState.Failed);
    }
    this.#connection._removePeer(this);
    this.streams.clear();
    this.dataChannels.clear();
    if (wasReady) this.emit("close");
  }

  /** Disconnects from the peer. */
  close() {
    if (this.#closed) return;
    this.#runtime.call((core) => core.peerClose(this.#handle, PT_ERR_CLOSED));
  }
}
