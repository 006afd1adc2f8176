// The RTCPeerConnection bridge: the browser's own, or @roamhq/wrtc in Node (optional dependency,
// loaded only when the platform has none). One PeerLink per peer; it reports what happens to the
// core through callbacks and does what the core's signaling says.
import { RainwayError } from "../sdk/errors.js";

let implementation;

export async function loadRTCPeerConnection() {
  if (implementation) return implementation;
  if (globalThis.RTCPeerConnection) {
    implementation = globalThis.RTCPeerConnection;
  } else {
    try {
      implementation = (await import("@roamhq/wrtc")).default.RTCPeerConnection;
    } catch (error) {
      throw new RainwayError("WebRTC is not available: install the optional dependency @roamhq/wrtc to use Petrichor in Node.", {
        cause: error,
      });
    }
  }
  return implementation;
}

const RTC_STATES = { new: 0, connecting: 1, connected: 2, disconnected: 3, failed: 4, closed: 5 };

/** The control channel: negotiated out of band, so both sides have it from the start. */
const CONTROL_CHANNEL = { label: "RW_Control", id: 0 };

export class PeerLink {
  #pc;
  #control;
  #remoteDescriptionSet = false;
  #pendingCandidates = []; // candidates that arrived before the remote description
  #callbacks;
  #closed = false;

  /**
   * callbacks: onSignal(kind, data), onRtcState(code), onControlOpen(open), onError(error)
   */
  constructor(RTCPeerConnectionImpl, { iceServers = [], offerer, ...callbacks }) {
    this.offerer = offerer;
    this.#callbacks = callbacks;
    this.#pc = new RTCPeerConnectionImpl({ iceServers });
    this.#control = this.#pc.createDataChannel(CONTROL_CHANNEL.label, { negotiated: true, id: CONTROL_CHANNEL.id });
    this.#control.binaryType = "arraybuffer";
    this.#control.onopen = () => this.#report(() => callbacks.onControlOpen(true));
    this.#control.onclose = () => this.#report(() => callbacks.onControlOpen(false));
    this.#pc.onicecandidate = (event) => {
      if (!event.candidate || !event.candidate.candidate) return; // end of candidates needs no message
      const { candidate, sdpMid, sdpMLineIndex } = event.candidate;
      this.#report(() => callbacks.onSignal("candidate", { candidate, sdpMid: sdpMid ?? null, sdpMLineIndex: sdpMLineIndex ?? null }));
    };
    this.#pc.onconnectionstatechange = () =>
      this.#report(() => callbacks.onRtcState(RTC_STATES[this.#pc.connectionState] ?? RTC_STATES.failed));
  }

  get peerConnection() {
    return this.#pc;
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
        await this.#remoteDescriptionApplied();
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

  async #remoteDescriptionApplied() {
    this.#remoteDescriptionSet = true;
    const pending = this.#pendingCandidates.splice(0);
    for (const candidate of pending) await this.#pc.addIceCandidate(candidate);
  }

  close() {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#control.close();
      this.#pc.close();
    } catch {
      // already closed
    }
  }
}
