// Per-address bounds on connections and on handshakes (sockets not yet past their hello), so one
// machine cannot take every socket the gateway can hold. An IPv6 client counts by its /64 prefix,
// the smallest block a single subscriber is usually given (one host may use any address in it).
import { isIPv4, isIPv6 } from "node:net";

/** The key an address is counted under: the IPv4 address (also when IPv4-mapped), or the IPv6 /64. */
export function addressKey(ip) {
  if (typeof ip !== "string") return null;
  const unmapped = ip.toLowerCase().startsWith("::ffff:") ? ip.slice(7) : ip;
  if (isIPv4(unmapped)) return unmapped;
  const address = ip.split("%")[0]; // drop a zone id such as %eth0
  if (!isIPv6(address)) return null;
  return `${ipv6Groups(address).slice(0, 4).join(":")}::/64`;
}

/** The eight groups of an IPv6 address, without leading zeros ("::" expanded, a dotted tail counted as two). */
function ipv6Groups(address) {
  const split = (text) => (text === "" ? [] : text.split(":"));
  const width = (groups) => groups.reduce((n, group) => n + (group.includes(".") ? 2 : 1), 0);
  const gap = address.indexOf("::");
  let groups;
  if (gap < 0) {
    groups = split(address);
  } else {
    const head = split(address.slice(0, gap));
    const tail = split(address.slice(gap + 2));
    groups = [...head, ...Array(8 - width(head) - width(tail)).fill("0"), ...tail];
  }
  // Only the first four groups are used, and a dotted quad can only be the last: no need to split it.
  return groups.map((group) => (group.includes(".") ? group : parseInt(group, 16).toString(16)));
}

/** How many of something each address holds, refusing past a maximum. */
export class AddressCounter {
  constructor(max) {
    this.max = max;
    this.counts = new Map(); // address key → count (entries at zero are deleted)
  }

  /** Counts one more for `key` and returns true, or returns false when it already holds the maximum. */
  tryAdd(key) {
    const count = this.counts.get(key) ?? 0;
    if (count >= this.max) return false;
    this.counts.set(key, count + 1);
    return true;
  }

  remove(key) {
    const count = this.counts.get(key) ?? 0;
    if (count <= 1) this.counts.delete(key);
    else this.counts.set(key, count - 1);
  }

  get(key) {
    return this.counts.get(key) ?? 0;
  }
}
