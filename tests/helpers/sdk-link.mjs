// Two SDK connections linked as the gateway tests need them: a peer each way and a reliable "chat"
// data channel, and a message round trip on it. Waits are long (30 s): these run across gateways,
// reconnections and loaded machines.
import assert from "node:assert/strict";
import { DataChannelMode } from "../../js/index.js";
import { nextEvent } from "./events.mjs";

const WAIT_MS = 30_000;

/** Connects `from` to `to` (which accepts) with a reliable data channel; resolves with both ends. */
export async function link(from, to) {
  const accepted = nextEvent(to, "peer-request", WAIT_MS).then(([request]) => request.accept());
  const [peerOfFrom, peerOfTo] = await Promise.all([from.connect(to.id), accepted]);
  const announced = nextEvent(peerOfTo, "datachannel", WAIT_MS);
  const local = await peerOfFrom.createDataChannel({ id: "chat", mode: DataChannelMode.Reliable });
  const [remote] = await announced;
  return { peerOfFrom, peerOfTo, local, remote };
}

/** Sends `text` on `channel` and resolves once `other` received it. */
export async function roundTrip(channel, other, text) {
  const received = nextEvent(other, "message", WAIT_MS);
  channel.send(text);
  const [message] = await received;
  assert.equal(new TextDecoder().decode(message.data), text);
}
