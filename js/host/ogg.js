// Reads Opus packets out of an Ogg stream (RFC 3533, RFC 7845) as ffmpeg writes it, skipping the
// OpusHead and OpusTags header packets.
export class OggOpusReader {
  #pending = new Uint8Array(0);
  #packet = []; // segments of a packet that continues on the next page
  #headers = 0;

  /** Returns the Opus packets completed by these bytes (Uint8Array each). */
  push(chunk) {
    const bytes = new Uint8Array(this.#pending.length + chunk.length);
    bytes.set(this.#pending);
    bytes.set(chunk, this.#pending.length);
    const packets = [];
    let at = 0;
    while (at + 27 <= bytes.length) {
      if (bytes[at] !== 0x4f || bytes[at + 1] !== 0x67 || bytes[at + 2] !== 0x67 || bytes[at + 3] !== 0x53) {
        throw new Error("not an Ogg stream (lost page sync)");
      }
      const segments = bytes[at + 26];
      if (at + 27 + segments > bytes.length) break;
      const table = bytes.subarray(at + 27, at + 27 + segments);
      const bodyLength = table.reduce((sum, n) => sum + n, 0);
      const bodyStart = at + 27 + segments;
      if (bodyStart + bodyLength > bytes.length) break;
      let offset = bodyStart;
      for (const size of table) {
        this.#packet.push(bytes.subarray(offset, offset + size));
        offset += size;
        if (size < 255) {
          const packet = concat(this.#packet);
          this.#packet = [];
          if (this.#headers < 2) this.#headers++; // OpusHead, OpusTags
          else packets.push(packet);
        }
      }
      at = bodyStart + bodyLength;
    }
    this.#packet = this.#packet.map((segment) => segment.slice()); // detach from the consumed buffer
    this.#pending = bytes.slice(at);
    return packets;
  }
}

function concat(parts) {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
