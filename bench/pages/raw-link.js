// Shared by the bench pages (and the Node benches' raw paths): one clock for both pages, a plain
// RTCPeerConnection with one negotiated, ordered, reliable data channel (the same kind as Petrichor's
// RW_Input), whole descriptions, and a wait for a channel to open.

/** Milliseconds on a clock both pages share (each page's performance.now() starts at its own origin). */
export const now = () => performance.timeOrigin + performance.now();

/** A peer connection and its channel; ICE is not trickled: the bench signals whole descriptions. */
export function rawLink() {
  const pc = new RTCPeerConnection();
  const channel = pc.createDataChannel("raw", { negotiated: true, id: 0 });
  channel.binaryType = "arraybuffer";
  return { pc, channel };
}

/** The local description once its candidates are gathered (loopback host candidates: quick). */
export async function gatheredDescription(pc, timeoutMs = 5000) {
  await new Promise((resolve, reject) => {
    if (pc.iceGatheringState === "complete") return resolve();
    const timer = setTimeout(() => reject(new Error(`ICE gathering still ${pc.iceGatheringState} after ${timeoutMs} ms`)), timeoutMs);
    pc.addEventListener("icegatheringstatechange", () => {
      if (pc.iceGatheringState !== "complete") return;
      clearTimeout(timer);
      resolve();
    });
  });
  return { type: pc.localDescription.type, sdp: pc.localDescription.sdp };
}

/** Resolves when the channel is open. */
export function opened(channel, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    if (channel.readyState === "open") return resolve();
    const timer = setTimeout(() => reject(new Error(`raw channel still ${channel.readyState} after ${timeoutMs} ms`)), timeoutMs);
    channel.addEventListener("open", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
