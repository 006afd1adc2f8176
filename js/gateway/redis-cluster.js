// The gateway's link to the other gateway processes through Redis (docs/ARCHITECTURE.md, "Several
// gateways"): the presence of peers, this process's liveness, and envelopes between processes.
//
// Keys (under a prefix, "petrichor:" by default):
//   processes          sorted set: process id → when its liveness runs out (ms, Redis's clock)
//   peer:<peerId>      "<process id> <organisation digest>": the one process holding that peer id
//   members:<process>  set of the peer ids that process claimed, so that they can be reaped when it dies
// Channel process:<process id>: the envelopes for that process's peers, one JSON text each
//   {"from": process id, "org": digest, "to": peer id, "message": {...}}.
//
// Pub/sub, not streams: signaling messages are worth nothing once late (an offer for a session that
// ended), the WebSocket side delivers them at most once too, and nothing has to be stored, trimmed
// or replayed. A process's liveness is one key refreshed every heartbeat, not one per peer, so the
// steady cost does not grow with the peers; a dead process's peers are reaped by the survivors.
// Each script below runs atomically in Redis: a claim cannot race another claim, a delivery checks
// presence, organisation and liveness in the same step that publishes.
import { randomBytes } from "node:crypto";

/** Every this often a process renews its liveness and learns which processes are alive. */
export const HEARTBEAT_MS = 1000;
/** A process whose liveness was not renewed for this long is dead: its peers leave presence. */
export const PROCESS_TTL_MS = 5000;
/** Deliveries waiting for Redis at once; past this, messages to other processes' peers fail at once. */
export const MAX_IN_FLIGHT = 10_000;
/** A Redis command unanswered this long has failed (and the link is treated as lost). */
const COMMAND_TIMEOUT_MS = 2000;
/** Peers of one dead process reaped per heartbeat (keeps each script short). */
const REAP_BATCH = 1000;

// Redis's clock in ms, so that processes' clocks never have to agree.
const NOW = `local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;
const ALIVE = `local function alive(process) local s = redis.call('ZSCORE', KEYS[1], process) return s and tonumber(s) > now end`;
const SPLIT = `local function split(v) local at = string.find(v, ' ', 1, true) return string.sub(v, 1, at - 1), string.sub(v, at + 1) end`;

const SCRIPTS = {
  // KEYS: processes. ARGV: prefix, me, ttl ms. Renews this process, reaps a batch of dead processes'
  // peers, returns {1 if this process was alive before, the live process ids}.
  heartbeat: {
    numberOfKeys: 1,
    lua: `${NOW} ${SPLIT}
      local prefix, me = ARGV[1], ARGV[2]
      local before = redis.call('ZSCORE', KEYS[1], me)
      redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), me)
      for _, dead in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, 4)) do
        local members = prefix .. 'members:' .. dead
        for _, id in ipairs(redis.call('SPOP', members, ${REAP_BATCH})) do
          local key = prefix .. 'peer:' .. id
          local value = redis.call('GET', key)
          if value and split(value) == dead then redis.call('DEL', key) end
        end
        if redis.call('SCARD', members) == 0 then redis.call('ZREM', KEYS[1], dead) end
      end
      local was = (before and tonumber(before) > now) and 1 or 0
      return {was, redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. now, '+inf')}`,
  },
  // KEYS: processes, peer:<id>, members:<me>. ARGV: me, peer id, org digest, mode, replace envelope, prefix.
  // Returns 1 when the id is now this process's: it was free, or held by a dead process, or (mode
  // "takeover", same organisation) taken from a live one, which gets the replace envelope.
  claim: {
    numberOfKeys: 3,
    lua: `${NOW} ${ALIVE} ${SPLIT}
      local me, id, org, mode = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
      local value = redis.call('GET', KEYS[2])
      if value then
        local owner, owned = split(value)
        if owner == me then
          if owned ~= org then return 0 end
        elseif alive(owner) then
          if mode ~= 'takeover' or owned ~= org then return 0 end
          redis.call('PUBLISH', ARGV[6] .. 'process:' .. owner, ARGV[5])
        end
      end
      redis.call('SET', KEYS[2], me .. ' ' .. org)
      redis.call('SADD', KEYS[3], id)
      return 1`,
  },
  // KEYS: peer:<id>, members:<me>. ARGV: me, peer id. Lets the id go unless another process took it over.
  release: {
    numberOfKeys: 2,
    lua: `${SPLIT}
      local value = redis.call('GET', KEYS[1])
      if value and split(value) == ARGV[1] then redis.call('DEL', KEYS[1]) end
      redis.call('SREM', KEYS[2], ARGV[2])
      return 1`,
  },
  // KEYS: processes, peer:<id>. ARGV: org digest, envelope, prefix. Publishes the envelope to the
  // process holding the peer when it is of that organisation and alive; returns that process's id,
  // or "" when nobody received it.
  deliver: {
    numberOfKeys: 2,
    lua: `${NOW} ${ALIVE} ${SPLIT}
      local value = redis.call('GET', KEYS[2])
      if not value then return '' end
      local owner, org = split(value)
      if org ~= ARGV[1] or not alive(owner) then return '' end
      if redis.call('PUBLISH', ARGV[3] .. 'process:' .. owner, ARGV[2]) == 0 then return '' end
      return owner`,
  },
  // KEYS: processes, members:<me>. ARGV: me, prefix. This process leaves: its remaining peer ids and its liveness.
  depart: {
    numberOfKeys: 2,
    lua: `${SPLIT}
      for _, id in ipairs(redis.call('SMEMBERS', KEYS[2])) do
        local key = ARGV[2] .. 'peer:' .. id
        local value = redis.call('GET', key)
        if value and split(value) == ARGV[1] then redis.call('DEL', key) end
      end
      redis.call('DEL', KEYS[2])
      redis.call('ZREM', KEYS[1], ARGV[1])
      return 1`,
  },
};

/** The Redis link could not carry a message (lost, overloaded, or the gateway is closing). */
export class ClusterUnreachable extends Error {}

/**
 * Resolves the `redis` option: a URL string, or {url, prefix?, heartbeatMs?, processTtlMs?}.
 * Returns null when there is none.
 */
export function resolveRedisOptions(option) {
  if (option === undefined || option === null) return null;
  const options = typeof option === "string" ? { url: option } : option;
  if (typeof options !== "object" || typeof options.url !== "string" || !/^rediss?:\/\//.test(options.url)) {
    throw new TypeError('redis must be a redis:// or rediss:// URL, or an object with such a "url".');
  }
  const { url, prefix = "petrichor:", heartbeatMs = HEARTBEAT_MS, processTtlMs = PROCESS_TTL_MS } = options;
  if (typeof prefix !== "string" || /\s/.test(prefix)) throw new TypeError("redis.prefix must be a string without spaces.");
  for (const [name, value] of [["heartbeatMs", heartbeatMs], ["processTtlMs", processTtlMs]]) {
    if (!Number.isFinite(value) || value < 100) throw new TypeError(`redis.${name} must be at least 100.`);
  }
  if (processTtlMs < 2 * heartbeatMs) throw new TypeError("redis.processTtlMs must be at least twice redis.heartbeatMs.");
  return { url, prefix, heartbeatMs, processTtlMs };
}

/** Loads ioredis, which only gateways started with `redis` need. */
async function loadRedisClient() {
  try {
    return (await import("ioredis")).Redis;
  } catch (error) {
    if (error?.code !== "ERR_MODULE_NOT_FOUND") throw error;
    throw new Error("The gateway's redis option needs the ioredis package: npm install ioredis");
  }
}

export class RedisCluster {
  /**
   * Connects (two connections: commands, and the subscription to this process's channel) and
   * registers this process. Rejects when Redis cannot be reached at start.
   *
   * onEnvelope({from, org, to, message}) gets every envelope for this process; onLive(Set of live
   * process ids) follows every heartbeat; onDetached() when the link is lost (messages to other
   * processes fail until it is back); onAttached() when it is back (this process's peers must be
   * claimed again: Redis may have lost them or reaped them).
   */
  static async connect(options, handlers) {
    const Redis = await loadRedisClient();
    const cluster = new RedisCluster(Redis, options, handlers);
    try {
      await cluster.start();
    } catch (error) {
      cluster.disconnect();
      // The connection's own error (refused, WRONGPASS…) says more than the promise's "Connection is closed".
      throw new Error(`cannot reach Redis at ${redactUrl(options.url)}: ${(cluster.lastError ?? error).message}`);
    }
    return cluster;
  }

  constructor(Redis, { url, prefix, heartbeatMs, processTtlMs, maxInFlight = MAX_IN_FLIGHT }, { onEnvelope, onLive, onDetached, onAttached, log }) {
    this.processId = randomBytes(8).toString("hex");
    this.prefix = prefix;
    this.heartbeatMs = heartbeatMs;
    this.processTtlMs = processTtlMs;
    this.maxInFlight = maxInFlight;
    this.handlers = { onEnvelope, onLive, onDetached, onAttached };
    this.log = log;
    this.url = redactUrl(url);
    this.processesKey = `${prefix}processes`;
    this.membersKey = `${prefix}members:${this.processId}`;
    this.channel = `${prefix}process:${this.processId}`;
    this.attached = false;
    this.inFlight = 0;
    this.beating = false;
    this.closing = false;
    const common = {
      lazyConnect: true,
      protocol: 2,
      connectTimeout: 5000,
      commandTimeout: COMMAND_TIMEOUT_MS,
      // Nothing waits for a link that is down: messages fail at once, and late ones are stale anyway.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      retryStrategy: (times) => (this.closing ? null : Math.min(100 * times, 2000)),
    };
    this.commands = new Redis(url, { ...common, scripts: SCRIPTS, connectionName: `petrichor-gateway-${this.processId}` });
    this.subscriber = new Redis(url, { ...common, connectionName: `petrichor-gateway-${this.processId}-sub` });
    for (const connection of [this.commands, this.subscriber]) {
      connection.on("error", (error) => {
        this.lastError = error;
        this.log("debug", `redis: ${error.message}`);
      });
      connection.on("close", () => this.detach("the connection to Redis closed"));
    }
    this.subscriber.on("message", (channel, text) => {
      if (channel === this.channel) this.receive(text);
    });
  }

  async start() {
    await Promise.all([this.commands.connect(), this.subscriber.connect()]);
    await this.subscriber.subscribe(this.channel);
    await this.beat();
    if (!this.attached) throw new Error("the first heartbeat failed");
    this.heartbeat = setInterval(() => this.beat(), this.heartbeatMs);
    this.heartbeat.unref();
  }

  /** Renews this process's liveness; attaches when the link works again, detaches when it does not. */
  async beat() {
    if (this.beating || this.closing) return;
    this.beating = true;
    try {
      const [wasAlive, live] = await this.commands.heartbeat(this.processesKey, this.prefix, this.processId, this.processTtlMs);
      if (this.closing) return;
      if (this.subscriber.status !== "ready") {
        this.detach("the subscription to this process's channel is down");
        return;
      }
      // Counted dead meanwhile (stalled past the TTL, or Redis lost its data): the others ended their
      // attempts with this process's peers, and so does this process before claiming them again.
      const expired = this.started && wasAlive !== 1;
      if (expired) this.detach("this gateway's liveness ran out in Redis");
      const reattach = this.started && !this.attached;
      this.attached = true;
      this.handlers.onLive(new Set(live));
      if (reattach) {
        this.log("info", `redis: linked to the other gateways again through ${this.url}`);
        this.handlers.onAttached();
      }
      this.started = true;
    } catch (error) {
      this.detach(`a heartbeat failed: ${error.message}`);
    } finally {
      this.beating = false;
    }
  }

  detach(why) {
    if (!this.attached || this.closing) return;
    this.attached = false;
    this.log("warn", `redis: lost the link to the other gateways (${why}); messages to their peers fail until it is back`);
    this.handlers.onDetached();
  }

  receive(text) {
    let envelope;
    try {
      envelope = JSON.parse(text);
    } catch {
      return this.log("warn", "redis: dropped an envelope that is not JSON");
    }
    const { from, org, to, message } = envelope ?? {};
    if (typeof from !== "string" || typeof org !== "string" || typeof to !== "string" || typeof message?.type !== "string") {
      return this.log("warn", "redis: dropped a malformed envelope");
    }
    this.handlers.onEnvelope(envelope);
  }

  envelope(org, to, messageText) {
    return `{"from":${JSON.stringify(this.processId)},"org":${JSON.stringify(org)},"to":${JSON.stringify(to)},"message":${messageText}}`;
  }

  /**
   * Claims `peerId` for this process in organisation `org` (a digest). mode: "new" (a fresh id),
   * "resume" (a resume token's id) or "takeover" (the same, taking it from a live session). True
   * when it is this process's now; also true while the link is down (the id is claimed again when it
   * is back, and the session ends if somebody else holds it by then).
   */
  async claim(peerId, org, mode) {
    if (!this.attached) return true;
    try {
      const replace = this.envelope(org, peerId, '{"type":"replace"}');
      const keys = [this.processesKey, `${this.prefix}peer:${peerId}`, this.membersKey];
      return (await this.commands.claim(...keys, this.processId, peerId, org, mode, replace, this.prefix)) === 1;
    } catch (error) {
      this.detach(`a claim failed: ${error.message}`);
      return true;
    }
  }

  /** Lets `peerId` go (unless another process took it over meanwhile). */
  release(peerId) {
    this.commands.release(`${this.prefix}peer:${peerId}`, this.membersKey, this.processId, peerId).catch(() => {});
  }

  /** Releases the ids this process claimed that `keep(peerId)` no longer wants (those whose release was lost with the link). */
  async releaseAllBut(keep) {
    try {
      for (const peerId of await this.commands.smembers(this.membersKey)) if (!keep(peerId)) this.release(peerId);
    } catch (error) {
      this.log("debug", `redis: could not list this gateway's claims: ${error.message}`);
    }
  }

  /**
   * Sends `messageText` (one message's JSON) to peer `to` of organisation `org` (a digest) on
   * whichever process holds it. Resolves to that process's id, or null when no process of that
   * organisation holds it; rejects with ClusterUnreachable when the link is down or overloaded.
   */
  async deliver(org, to, messageText) {
    if (!this.attached) throw new ClusterUnreachable("the link to the other gateways is down");
    if (this.inFlight >= this.maxInFlight) throw new ClusterUnreachable("too many messages are waiting for Redis");
    this.inFlight++;
    try {
      const owner = await this.commands.deliver(this.processesKey, `${this.prefix}peer:${to}`, org, this.envelope(org, to, messageText), this.prefix);
      return owner === "" ? null : owner;
    } catch (error) {
      throw new ClusterUnreachable(error.message);
    } finally {
      this.inFlight--;
    }
  }

  /** Removes this process from presence (its peers and its liveness) and closes both connections. */
  async close() {
    if (this.closing) return;
    clearInterval(this.heartbeat);
    if (this.attached) {
      try {
        await this.commands.depart(this.processesKey, this.membersKey, this.processId, this.prefix);
      } catch (error) {
        this.log("warn", `redis: could not remove this gateway's peers from presence: ${error.message}`);
      }
    }
    this.closing = true;
    this.attached = false;
    await Promise.all([this.commands, this.subscriber].map((connection) => connection.quit().catch(() => connection.disconnect())));
  }

  disconnect() {
    this.closing = true;
    clearInterval(this.heartbeat);
    this.commands.disconnect();
    this.subscriber.disconnect();
  }
}

/** The URL without its password, for messages. */
function redactUrl(url) {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "redis";
  }
}
