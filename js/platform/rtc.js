// The RTCPeerConnection bridge: the browser's own, or in Node @roamhq/wrtc (an optional peer
// dependency, loaded only when the platform has none, through "#platform/node": see ./node.js). One
// PeerLink per peer; it reports what happens to the core through callbacks and does what the core's
// signaling says.
import { RainwayError } from "../sdk/errors.js";
import { LogLevel } from "../sdk/enums.js";

let implementation;

export async function loadRTCPeerConnection() {
  implementation ??= globalThis.RTCPeerConnection ?? (await (await import("#platform/node")).loadRTCPeerConnection());
  return implementation;
}

const RTC_STATES = { new: 0, connecting: 1, connected: 2, disconnected: 3, failed: 4, closed: 5 };

/** DataChannelMode values (Unreliable = 0, Reliable = 1). */
const RELIABLE = 1;
const UNRELIABLE = 0;

/** Sending pauses above this many buffered bytes and resumes below the low-water mark. */
export const CHANNEL_HIGH_WATER = 1024 * 1024;
export const CHANNEL_LOW_WATER = 256 * 1024;

/**
 * One RTCDataChannel of an app channel. Calls back onOpen(), onMessage(Uint8Array), onClose() and
 * onDrain() (the buffer fell below the low-water mark).
 */
export class ChannelLink {
  #channel;
  #callbacks = null;
  #closed = false;
  #open = false; // readyState is "open", as the events tell: reading it is a call into the WebRTC stack
  #onFinished;
  #buffered = 0; // bufferedAmount when last read plus what was sent since: never below the real value

  /** onFinished(link), if given, is told once when the channel has closed. */
  constructor(channel, onFinished = () => {}) {
    this.#channel = channel;
    this.#onFinished = onFinished;
    channel.binaryType = "arraybuffer";
    channel.bufferedAmountLowThreshold = CHANNEL_LOW_WATER;
    channel.onclose = () => this.#reportClose();
    this.label = channel.label;
    // Reliable = ordered with no retransmit or lifetime limit (some stacks report "none" as 65535).
    const limited = (value) => value != null && value < 65535;
    this.mode = channel.ordered && !limited(channel.maxRetransmits) && !limited(channel.maxPacketLifeTime) ? RELIABLE : UNRELIABLE;
  }

  /** Wires the callbacks; an already open channel reports open at once. */
  attach(callbacks) {
    this.#callbacks = callbacks;
    const channel = this.#channel;
    channel.onopen = () => {
      this.#open = true;
      callbacks.onOpen();
    };
    channel.onclose = () => this.#reportClose();
    channel.onerror = () => {}; // always followed by close
    channel.onmessage = (event) => {
      const data = event.data;
      if (typeof data === "string") callbacks.onMessage(new TextEncoder().encode(data));
      else callbacks.onMessage(new Uint8Array(data));
    };
    channel.onbufferedamountlow = () => callbacks.onDrain();
    if (channel.readyState === "open") {
      this.#open = true;
      callbacks.onOpen();
    } else if (channel.readyState === "closed") this.#reportClose();
  }

  #reportClose() {
    if (this.#closed) return;
    this.#closed = true;
    this.#open = false;
    this.#onFinished(this);
    this.#callbacks?.onClose();
  }

  get bufferedAmount() {
    return this.#channel.bufferedAmount;
  }

  /**
   * How many more bytes may be sent before the buffer holds `limit`. Reading bufferedAmount is a call
   * into the WebRTC stack (a thread hop in some), so it is read only once what was sent since the last
   * read may have filled half of `limit`; until then the answer counts that as still buffered, which
   * can only understate the room.
   */
  room(limit) {
    if (this.#buffered > limit / 2) this.#buffered = this.#channel.bufferedAmount;
    return limit - this.#buffered;
  }

  /** Sends one message; false when it could not go (not open, or the channel failed under us). */
  send(bytes) {
    if (!(this.#open && trySend(this.#channel, bytes))) return false;
    this.#buffered += bytes.length;
    return true;
  }

  close() {
    this.#open = false; // closing: nothing more goes out
    try {
      this.#channel.close();
    } catch {
      // already closed
    }
  }
}

/**
 * RTCDataChannel.send can throw while readyState still says "open" (the peer went away a moment
 * ago): a failed send is reported as false, never as an exception into the SDK or the app.
 */
function trySend(channel, bytes) {
  try {
    channel.send(bytes);
    return true;
  } catch {
    return false;
  }
}

/** The control channel: negotiated out of band, so both sides have it from the start. */
const CONTROL_CHANNEL = { label: "RW_Control", id: 0 };
/** Media channels (video, audio): likewise negotiated; unordered, no retransmissions. */
const MEDIA_CHANNELS = [
  { label: "RW_Video", id: 1 },
  { label: "RW_Audio", id: 2 },
];
/** Input: negotiated, ordered and reliable, so that no key up or button up is ever lost. */
const INPUT_CHANNEL = { label: "RW_Input", id: 3 };
/** Live media is dropped rather than queued behind this many buffered bytes. */
const MEDIA_BUFFER_LIMIT = 4 * 1024 * 1024;

export class PeerLink {
  #pc;
  #control;
  #remoteDescriptionSet = false;
  #pendingCandidates = []; // candidates that arrived before the remote description
  #channels = new Set(); // app ChannelLinks
  #media = [];
  #input;
  #callbacks;
  #closed = false;
  #relayOnly;
  #localCandidates = 0;
  #turnErrors = []; // why TURN servers gave no candidate: "url: code text"

  /**
   * callbacks: onSignal(kind, data), onRtcState(code), onControlOpen(open), onError(error),
   * onRemoteChannel(ChannelLink) for app channels the other side creates, onControlMessage(text),
   * onMedia(kind, bytes) for media-channel messages, onInput(bytes) for input-channel messages.
   * mediaWorker: a MediaWorker (js/platform/media-worker-client.js) to hand the media channels to, or null.
   * peerConnection: an unused RTCPeerConnection made earlier with the same configuration, or null for a new one.
   */
  constructor(RTCPeerConnectionImpl, { iceServers = [], iceTransportPolicy = "all", offerer, mediaWorker = null, peerConnection = null, ...callbacks }) {
    this.offerer = offerer;
    this.#callbacks = callbacks;
    this.#relayOnly = iceTransportPolicy === "relay";
    this.#pc = peerConnection ?? new RTCPeerConnectionImpl({ iceServers, iceTransportPolicy });
    this.#control = this.#pc.createDataChannel(CONTROL_CHANNEL.label, { negotiated: true, id: CONTROL_CHANNEL.id });
    this.#control.binaryType = "arraybuffer";
    this.#control.onopen = () => this.#report(() => callbacks.onControlOpen(true));
    this.#control.onclose = () => this.#report(() => callbacks.onControlOpen(false));
    this.#control.onmessage = (event) =>
      this.#report(() => callbacks.onControlMessage?.(typeof event.data === "string" ? event.data : new TextDecoder().decode(event.data)));
    this.#media = MEDIA_CHANNELS.map(({ label, id }) =>
      this.#pc.createDataChannel(label, { negotiated: true, id, ordered: false, maxRetransmits: 0 }),
    );
    // A media worker takes the media channels now (a channel can move only in the task that made it);
    // what no stream there takes comes back through onMedia.
    const onMedia = (kind, bytes) => this.#report(() => callbacks.onMedia?.(kind, bytes));
    this.mediaWorker = mediaWorker;
    this.mediaLink = mediaWorker?.adopt(this.#media, onMedia) ?? null;
    if (!this.mediaLink) {
      this.#media.forEach((channel, kind) => {
        channel.binaryType = "arraybuffer";
        channel.onmessage = (event) => onMedia(kind, new Uint8Array(event.data));
      });
    }
    this.#input = this.#pc.createDataChannel(INPUT_CHANNEL.label, { negotiated: true, id: INPUT_CHANNEL.id });
    this.#input.binaryType = "arraybuffer";
    this.#input.onmessage = (event) =>
      this.#report(() => typeof event.data !== "string" && callbacks.onInput?.(new Uint8Array(event.data)));
    this.#pc.onicecandidate = (event) => {
      if (!event.candidate || !event.candidate.candidate) return; // end of candidates needs no message
      this.#localCandidates++;
      const { candidate, sdpMid, sdpMLineIndex } = event.candidate;
      this.#report(() => callbacks.onSignal("candidate", { candidate, sdpMid: sdpMid ?? null, sdpMLineIndex: sdpMLineIndex ?? null }));
    };
    this.#pc.onicecandidateerror = (event) => {
      const error = `${event.url}: ${event.errorCode} ${event.errorText}`; // once per interface: kept once
      if (/^turns?:/.test(event.url ?? "") && this.#turnErrors.length < 4 && !this.#turnErrors.includes(error)) this.#turnErrors.push(error);
    };
    // Relay-only ICE that gathered nothing cannot connect: fail now, saying why, rather than at the timeout.
    this.#pc.onicegatheringstatechange = () => {
      if (this.#pc.iceGatheringState === "complete" && this.#relayOnly && this.#localCandidates === 0) {
        this.#fail(new RainwayError(`The connection has no relay candidate: ${this.#noRelayReason()}.`));
      }
    };
    this.#pc.ondatachannel = (event) => {
      if (this.#closed) {
        event.channel.close();
        return;
      }
      callbacks.onRemoteChannel?.(this.#track(event.channel));
    };
    this.#pc.onconnectionstatechange = () =>
      this.#report(() => callbacks.onRtcState(RTC_STATES[this.#pc.connectionState] ?? RTC_STATES.failed));
  }

  get peerConnection() {
    return this.#pc;
  }

  /**
   * Logs what the connection goes through at Debug, with a log of js/sdk/log.js:
   * signaling, ICE gathering and ICE connection states, the control channel, and once ICE connects
   * the candidate pair it chose (host, srflx or relay: whether a TURN server carries the link).
   */
  logStates(log) {
    const DEBUG = LogLevel.Debug;
    const pc = this.#pc;
    const last = {}; // some stacks repeat an event without a change: each state is logged once
    const watch = (event, label, read, then = () => {}) =>
      pc.addEventListener(event, () => {
        const state = read();
        if (last[event] === state) return;
        last[event] = state;
        log(DEBUG, `${label} ${state}`);
        then(state);
      });
    watch("signalingstatechange", "signaling state", () => pc.signalingState);
    watch("icegatheringstatechange", "ICE gathering", () => pc.iceGatheringState);
    watch("iceconnectionstatechange", "ICE connection", () => pc.iceConnectionState, (state) => {
      if (state === "connected" && log.enabled(DEBUG)) this.#logSelectedPair(log, DEBUG);
    });
    watch("connectionstatechange", "connection state", () => pc.connectionState);
    this.#control.addEventListener("open", () => log(DEBUG, "control channel open"));
    this.#control.addEventListener("close", () => log(DEBUG, "control channel closed"));
  }

  async #logSelectedPair(log, level) {
    try {
      const stats = await this.#pc.getStats();
      const byId = new Map();
      stats.forEach((report) => byId.set(report.id, report));
      const transport = [...byId.values()].find((report) => report.type === "transport" && report.selectedCandidatePairId);
      const pair =
        byId.get(transport?.selectedCandidatePairId) ??
        [...byId.values()].find((report) => report.type === "candidate-pair" && (report.selected || report.nominated) && report.state === "succeeded");
      const side = (id) => {
        const candidate = byId.get(id);
        return candidate ? `${candidate.protocol ?? "?"} ${candidate.candidateType ?? "?"}` : "?";
      };
      if (pair) log(level, `ICE chose local ${side(pair.localCandidateId)}, remote ${side(pair.remoteCandidateId)}`);
    } catch {
      // the connection closed meanwhile: nothing to say
    }
  }

  /** The connection's states, for error messages. */
  describe() {
    const pc = this.#pc;
    const states = `signaling ${pc.signalingState}, ICE ${pc.iceConnectionState}, gathering ${pc.iceGatheringState}, control channel ${this.#control.readyState}`;
    return this.#relayOnly && this.#localCandidates === 0 ? `${states}; no relay candidate: ${this.#noRelayReason()}` : states;
  }

  #noRelayReason() {
    return this.#turnErrors.length > 0
      ? `the TURN server refused or failed (${this.#turnErrors.join("; ")})`
      : "no TURN server answered";
  }

  /** Sends a control message (JSON text); false when the control channel is not open. */
  sendControl(text) {
    return !this.#closed && this.#control.readyState === "open" && trySend(this.#control, text);
  }

  /** Sends one media packet (kind 0 video, 1 audio); false when it was dropped (not open, or backed up). */
  sendMedia(kind, bytes) {
    if (this.mediaLink) return !this.#closed && this.mediaLink.send(kind, bytes); // the worker sends it
    const channel = this.#media[kind];
    if (this.#closed || channel?.readyState !== "open" || channel.bufferedAmount > MEDIA_BUFFER_LIMIT) return false;
    return trySend(channel, bytes);
  }

  /** Bytes waiting in a media channel (kind 0 video, 1 audio). */
  mediaBuffered(kind) {
    return this.mediaLink ? this.mediaLink.buffered(kind) : (this.#media[kind]?.bufferedAmount ?? 0);
  }

  /** Sends one input message; false when the input channel is not open. */
  sendInput(bytes) {
    return !this.#closed && this.#input.readyState === "open" && trySend(this.#input, bytes);
  }

  /** The largest message the transport carries (SCTP's negotiated maximum). */
  get maxMessageSize() {
    const size = this.#pc.sctp?.maxMessageSize;
    return Number.isFinite(size) && size > 0 ? size : 65536;
  }

  /** Opens an app channel (in-band, announced to the other side). */
  createChannel(label, mode) {
    const options = mode === RELIABLE ? { ordered: true } : { ordered: false, maxRetransmits: 0 };
    return this.#track(this.#pc.createDataChannel(label, options));
  }

  // The link knows its open app channels (those the other side opens included, refused or not) so
  // that it can close them before the connection; a closed one is forgotten.
  #track(channel) {
    const link = new ChannelLink(channel, (closed) => this.#channels.delete(closed));
    this.#channels.add(link);
    return link;
  }

  #report(fn) {
    if (!this.#closed) fn();
  }

  #fail(error) {
    if (!this.#closed) this.#callbacks.onError(error);
  }

  /** The offerer starts negotiation; the answerer waits for the offer. */
  start() {
    if (!this.offerer) return;
    this.#pc
      .createOffer()
      .then((offer) => this.#pc.setLocalDescription(offer))
      .then(() => this.#report(() => this.#callbacks.onSignal("offer", { sdp: this.#pc.localDescription.sdp })))
      .catch((error) => this.#fail(error));
  }

  /** Applies signaling from the remote peer. */
  async handleSignal(kind, data) {
    try {
      if (kind === "offer" && !this.offerer) {
        await this.#pc.setRemoteDescription({ type: "offer", sdp: data.sdp });
        this.#remoteDescriptionApplied(); // queued on the connection ahead of the answer, not awaited one by one
        const answer = await this.#pc.createAnswer();
        await this.#pc.setLocalDescription(answer);
        this.#report(() => this.#callbacks.onSignal("answer", { sdp: this.#pc.localDescription.sdp }));
      } else if (kind === "answer" && this.offerer) {
        await this.#pc.setRemoteDescription({ type: "answer", sdp: data.sdp });
        await this.#remoteDescriptionApplied();
      } else if (kind === "candidate") {
        if (this.#remoteDescriptionSet) await this.#pc.addIceCandidate(data);
        else this.#pendingCandidates.push(data);
      } else {
        throw new RainwayError(`unexpected ${kind} from the remote peer`);
      }
    } catch (error) {
      this.#fail(error);
    }
  }

  /** Adds the candidates held until the remote description was set, all at once (the connection queues them in order). */
  #remoteDescriptionApplied() {
    this.#remoteDescriptionSet = true;
    const pending = this.#pendingCandidates.splice(0);
    return Promise.all(pending.map((candidate) => this.#pc.addIceCandidate(candidate))).catch((error) => this.#fail(error));
  }

  close() {
    if (this.#closed) return;
    this.#closed = true;
    // App channels go before the connection that carries them.
    for (const channel of this.#channels) channel.close();
    this.#channels.clear();
    this.mediaLink?.close(); // the worker's channels close with the connection
    try {
      if (!this.mediaLink) for (const channel of this.#media) channel.close();
      this.#input.close();
      this.#control.close();
      this.#pc.close();
    } catch {
      // already closed
    }
  }


}
