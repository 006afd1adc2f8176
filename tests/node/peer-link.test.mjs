// The RTCPeerConnection glue on its own, with real @roamhq/wrtc connections: negotiation works
// whatever order the signaling arrives in, including ICE candidates before the remote description.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PeerLink, loadRTCPeerConnection } from "../../js/platform/rtc.js";

/** Two linked PeerLinks whose signals are held until release() lets them through in a chosen order. */
async function linkedPair() {
  const RTCPeerConnectionImpl = await loadRTCPeerConnection();
  const held = { toAnswerer: [], toOfferer: [] };
  const states = { offerer: [], answerer: [] };
  const open = { offerer: false, answerer: false };
  const errors = [];
  const make = (role, outbox) =>
    new PeerLink(RTCPeerConnectionImpl, {
      offerer: role === "offerer",
      onSignal: (kind, data) => outbox.push({ kind, data }),
      onRtcState: (state) => states[role].push(state),
      onControlOpen: (isOpen) => {
        open[role] = isOpen;
      },
      onError: (error) => errors.push(error),
    });
  const offerer = make("offerer", held.toAnswerer);
  const answerer = make("answerer", held.toOfferer);
  return { offerer, answerer, held, states, open, errors };
}

const waitFor = async (condition, ms = 10000) => {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > ms) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

test("candidates that arrive before the offer are kept until the remote description is set", async () => {
  const { offerer, answerer, held, states, open, errors } = await linkedPair();
  offerer.start();
  // Let the offerer gather: its offer and its candidates pile up.
  await waitFor(() => held.toAnswerer.some((s) => s.kind === "candidate"));
  await new Promise((resolve) => setTimeout(resolve, 200));
  const offer = held.toAnswerer.find((s) => s.kind === "offer");
  const candidates = held.toAnswerer.filter((s) => s.kind === "candidate");
  assert.ok(offer && candidates.length > 0);
  held.toAnswerer.length = 0;
  // Deliver every candidate first, then the offer.
  for (const { kind, data } of candidates) await answerer.handleSignal(kind, data);
  await answerer.handleSignal(offer.kind, offer.data);
  // From here on, relay everything as it comes, in both directions.
  const relay = setInterval(() => {
    for (const { kind, data } of held.toAnswerer.splice(0)) answerer.handleSignal(kind, data);
    for (const { kind, data } of held.toOfferer.splice(0)) offerer.handleSignal(kind, data);
  }, 10);
  try {
    await waitFor(() => open.offerer && open.answerer);
    assert.ok(states.offerer.includes(2) && states.answerer.includes(2), "both reached connected");
    assert.deepEqual(errors, []);
  } finally {
    clearInterval(relay);
    offerer.close();
    answerer.close();
  }
});

test("a signal of the wrong kind for the role is reported as an error, not thrown", async () => {
  const { offerer, answerer, errors } = await linkedPair();
  await offerer.handleSignal("offer", { sdp: "v=0\r\n" });
  assert.equal(errors.length, 1);
  assert.match(errors[0].message, /unexpected offer/);
  offerer.close();
  answerer.close();
});
