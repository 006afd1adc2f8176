// The gateway's limits (docs/SECURITY.md, "The gateway"): every bound on what one client, one
// address or one organisation can make the gateway hold or do, with its default. startGateway()
// takes overrides in its `limits` option; they are checked once, at start.

/** A message costs one credit per started MESSAGE_CREDIT_BYTES, so big messages count for more. */
export const MESSAGE_CREDIT_BYTES = 8192;

export const DEFAULT_LIMITS = Object.freeze({
  // Per connection, in message credits: a steady rate and the burst a quiet client may spend at once.
  // Answers to connection requests made to the client are free (others' requests cause them).
  messagesPerSecond: 100,
  messageBurst: 400,
  // Messages read but waiting beyond the rate. Reading stops while any wait, so only what one socket
  // read held (at most 64 KiB: a few hundred messages of any real size) can pile up; more means
  // thousands of tiny frames, a flood, and the client is cut off.
  maxDelayedMessages: 4096,
  // Messages the gateway refused (every warning about a client's own message): a client that keeps
  // sending what cannot be used is cut off.
  refusedPerSecond: 10,
  refusedBurst: 100,
  // Bytes the gateway holds for one socket that does not read; past it the socket is dropped.
  maxSendBufferBytes: 2 * 1024 * 1024,
  // Connection attempts not yet accepted, rejected or cancelled.
  maxPendingPerRequester: 64,
  maxPendingPerTarget: 256,
  // Longer than the SDK's own 60 s, so an SDK target always refuses first.
  pendingAttemptTimeoutMs: 90_000,
  // Per remote address (IPv4) or /64 prefix (IPv6).
  maxConnectionsPerAddress: 1024,
  maxHandshakesPerAddress: 128,
  // Hellos with an unknown API key, per address: free ones, then key checks spaced by a doubling delay.
  failedHellosBeforeDelay: 10,
  failedHelloDelayMs: 100,
  maxFailedHelloDelayMs: 5_000,
  // One remembered failure is forgotten per this time.
  failedHelloForgetMs: 60_000,
});

/** Defaults overridden by `limits`; throws a TypeError naming the first bad or unknown field. */
export function resolveLimits(limits = {}) {
  if (typeof limits !== "object" || limits === null || Array.isArray(limits)) {
    throw new TypeError("limits must be an object.");
  }
  const resolved = { ...DEFAULT_LIMITS };
  for (const [name, value] of Object.entries(limits)) {
    if (!Object.hasOwn(DEFAULT_LIMITS, name)) throw new TypeError(`limits.${name} is not a gateway limit.`);
    if (value === undefined) continue;
    if (!Number.isFinite(value) || value <= 0) throw new TypeError(`limits.${name} must be a positive number.`);
    resolved[name] = value;
  }
  if (resolved.messageBurst < MAX_MESSAGE_COST) {
    // Otherwise a message of the largest size could never be afforded.
    throw new TypeError(`limits.messageBurst must be at least ${MAX_MESSAGE_COST}.`);
  }
  return Object.freeze(resolved);
}

/** Credits of the largest message: anything bigger is refused unread (checkFrame), so costs no more. */
const MAX_MESSAGE_COST = Math.ceil(65_536 / MESSAGE_CREDIT_BYTES);

/** Credits one message of `byteLength` bytes costs: one per started 8 KiB, from 1 to 8. */
export function messageCost(byteLength) {
  return Math.min(MAX_MESSAGE_COST, Math.max(1, Math.ceil(byteLength / MESSAGE_CREDIT_BYTES)));
}
