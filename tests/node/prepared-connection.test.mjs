// The requester's RTCPeerConnection is made while its request travels to the target (so that it is
// ready when the target accepts), is the one the peer then uses, and is closed when the attempt fails.
import { after, afterEach, before, test } from "node:test";
import assert from "node:assert/strict";
import wrtc from "@roamhq/wrtc";
import rainway from "../../js/index.js";
import { startGateway } from "../../js/gateway/index.js";
import { nextEvent, until } from "../helpers/events.mjs";

// Every RTCPeerConnection the SDK creates: the SDK takes the platform's RTCPeerConnection when there
// is one, so this is @roamhq/wrtc's, only recorded.
const created = [];
globalThis.RTCPeerConnection = class RecordedRTCPeerConnection extends wrtc.RTCPeerConnection {
  constructor(configuration) {
    super(configuration);
    created.push(this);
  }
};

let gateway;
const open = [];
before(async () => {
  gateway = await startGateway({ keys: { key: "org" } });
});
after(async () => {
  await gateway?.close();
});
afterEach(() => {
  for (const connection of open.splice(0)) connection.close();
});

async function pair() {
  const a = await rainway.connect({ apiKey: "key", externalId: "a", gatewayUrl: gateway.url });
  const b = await rainway.connect({ apiKey: "key", externalId: "b", gatewayUrl: gateway.url });
  open.push(a, b);
  return { a, b };
}

const closed = (pc) => pc.signalingState === "closed";

test("the requester's peer connection exists before the target answers, and the connected peer uses it", async () => {
  const { a, b } = await pair();
  const before = created.length;
  const requested = nextEvent(b, "peer-request");
  const connecting = a.connect(b.id);
  const [request] = await requested;
  await until(() => created.length === before + 1, 5000); // a's, made while the request travelled
  const prepared = created[before];
  const [peerOfA] = await Promise.all([connecting, request.accept()]);
  assert.equal(created.length, before + 2, "one more for b, none more for a");
  assert.equal(prepared.connectionState, "connected");
  peerOfA.close();
  await until(() => closed(prepared), 5000);
});

test("a rejected, canceled or unanswered attempt closes the peer connection made for it", async () => {
  const { a, b } = await pair();
  let before = created.length;
  b.addEventListener("peer-request", (request) => request.reject("no"));
  await assert.rejects(a.connect(b.id), /rejected the connection/);
  assert.equal(created.length, before + 1);
  await until(() => closed(created[before]), 5000);
  b.removeEventListener("peer-request");

  before = created.length;
  const requested = nextEvent(b, "peer-request");
  const canceled = a.connect(b.id);
  await requested;
  await until(() => created.length === before + 1, 5000);
  a.cancelConnectionAttempt(b.id);
  await assert.rejects(canceled, /canceled/);
  await until(() => closed(created[before]), 5000);

  // The gateway connection closes with the request pending.
  before = created.length;
  const pending = a.connect(b.id);
  await nextEvent(b, "peer-request");
  await until(() => created.length === before + 1, 5000);
  a.close();
  await assert.rejects(pending);
  await until(() => closed(created[before]), 5000);
});
