// An LZMA decoder (the .lzma format that `xz --format=lzma` writes: a 13-byte header, then one LZMA1
// stream), for the wasm core a bundled browser app carries (js/core/bundled-core.js): 15 % smaller in
// LZMA than in gzip, and browsers' DecompressionStream has no LZMA. It
// decodes our own build's output, not input from the network; corrupt input throws, and the output
// never grows past the size the header gives, nor past MAX_SIZE.
// The algorithm is Igor Pavlov's, as specified by the LZMA SDK's LzmaSpec.

const MAX_SIZE = 64 * 1024 * 1024;
const PROBABILITY_BITS = 11;
const HALF = 1 << (PROBABILITY_BITS - 1);
const MOVE_BITS = 5;
const TOP = 1 << 24;
const STATES = 12;
const POS_STATES_MAX = 16;
const END_POS_MODEL_INDEX = 14;
const FULL_DISTANCES = 128;
const ALIGN_BITS = 4;
const MATCH_MIN_LENGTH = 2;

class RangeDecoder {
  constructor(bytes, offset) {
    if (bytes[offset] !== 0) throw new Error("LZMA: corrupt stream");
    this.bytes = bytes;
    this.position = offset + 5;
    this.range = 0xffffffff;
    this.code = ((bytes[offset + 1] << 24) | (bytes[offset + 2] << 16) | (bytes[offset + 3] << 8) | bytes[offset + 4]) >>> 0;
    if (this.code === this.range) throw new Error("LZMA: corrupt stream");
  }

  /** Keeps range above 2^24, taking in the next byte of the stream. */
  #normalize() {
    if (this.range >= TOP) return;
    if (this.position >= this.bytes.length) throw new Error("LZMA: truncated stream");
    this.range = (this.range << 8) >>> 0;
    this.code = ((this.code << 8) | this.bytes[this.position++]) >>> 0;
  }

  bit(probabilities, index) {
    const probability = probabilities[index];
    const bound = (this.range >>> PROBABILITY_BITS) * probability;
    let bit;
    if (this.code < bound) {
      this.range = bound;
      probabilities[index] = probability + (((1 << PROBABILITY_BITS) - probability) >>> MOVE_BITS);
      bit = 0;
    } else {
      this.range = (this.range - bound) >>> 0;
      this.code = (this.code - bound) >>> 0;
      probabilities[index] = probability - (probability >>> MOVE_BITS);
      bit = 1;
    }
    this.#normalize();
    return bit;
  }

  /** count bits with probability one half, most significant first. */
  direct(count) {
    let result = 0;
    for (; count > 0; count--) {
      this.range >>>= 1;
      let bit = 0;
      if (this.code >= this.range) {
        this.code = (this.code - this.range) >>> 0;
        bit = 1;
      }
      result = ((result << 1) | bit) >>> 0;
      this.#normalize();
    }
    return result;
  }

  /** A symbol of `bits` bits from the bit tree at probabilities[base + 1 ...], most significant bit first. */
  tree(probabilities, base, bits) {
    let m = 1;
    for (let i = 0; i < bits; i++) m = (m << 1) | this.bit(probabilities, base + m);
    return m - (1 << bits);
  }

  /** The same tree read least significant bit first. */
  reverseTree(probabilities, base, bits) {
    let m = 1;
    let symbol = 0;
    for (let i = 0; i < bits; i++) {
      const bit = this.bit(probabilities, base + m);
      m = (m << 1) | bit;
      symbol |= bit << i;
    }
    return symbol;
  }
}

const probabilities = (count) => new Uint16Array(count).fill(HALF);

class LengthDecoder {
  choice = probabilities(2);
  low = probabilities(POS_STATES_MAX << 3);
  middle = probabilities(POS_STATES_MAX << 3);
  high = probabilities(256);

  decode(range, posState) {
    if (range.bit(this.choice, 0) === 0) return range.tree(this.low, posState << 3, 3);
    if (range.bit(this.choice, 1) === 0) return 8 + range.tree(this.middle, posState << 3, 3);
    return 16 + range.tree(this.high, 0, 8);
  }
}

/** The bytes an .lzma stream (Uint8Array) holds. */
export function decodeLzma(input) {
  if (input.length < 13) throw new Error("LZMA: truncated header");
  let properties = input[0];
  if (properties >= 9 * 5 * 5) throw new Error("LZMA: bad properties");
  const literalContext = properties % 9;
  properties = Math.floor(properties / 9);
  const literalPosition = properties % 5;
  const positionBits = Math.floor(properties / 5);
  let size = 0;
  let known = false;
  for (let i = 0; i < 8; i++) {
    if (input[5 + i] !== 0xff) known = true;
  }
  if (known) {
    for (let i = 7; i >= 0; i--) size = size * 256 + input[5 + i];
    if (size > MAX_SIZE) throw new Error("LZMA: too large");
  }
  let output = new Uint8Array(known ? size : 65536);
  let position = 0;
  const range = new RangeDecoder(input, 13);

  const literals = probabilities(0x300 << (literalContext + literalPosition));
  const isMatch = probabilities(STATES << 4);
  const isRep = probabilities(STATES);
  const isRepG0 = probabilities(STATES);
  const isRepG1 = probabilities(STATES);
  const isRepG2 = probabilities(STATES);
  const isRep0Long = probabilities(STATES << 4);
  const positionSlots = probabilities(4 << 6);
  const positionDecoders = probabilities(1 + FULL_DISTANCES - END_POS_MODEL_INDEX);
  const align = probabilities(1 << ALIGN_BITS);
  const lengths = new LengthDecoder();
  const repLengths = new LengthDecoder();
  const positionMask = (1 << positionBits) - 1;
  const literalPositionMask = (1 << literalPosition) - 1;
  let state = 0;
  let rep0 = 0;
  let rep1 = 0;
  let rep2 = 0;
  let rep3 = 0;

  const room = (count) => {
    if (position + count <= output.length) return;
    if (known) throw new Error("LZMA: more data than the header says");
    if (position + count > MAX_SIZE) throw new Error("LZMA: too large");
    const grown = new Uint8Array(Math.min(MAX_SIZE, Math.max(output.length * 2, position + count)));
    grown.set(output);
    output = grown;
  };

  while (!known || position < size) {
    const posState = position & positionMask;
    if (range.bit(isMatch, (state << 4) + posState) === 0) {
      const previous = position > 0 ? output[position - 1] : 0;
      const base = 0x300 * (((position & literalPositionMask) << literalContext) + (previous >>> (8 - literalContext)));
      let symbol = 1;
      if (state >= 7) {
        // After a match, the byte at the match distance steers the first bits (a "matched literal").
        let matchByte = output[position - rep0 - 1];
        while (symbol < 0x100) {
          const matchBit = (matchByte >>> 7) & 1;
          matchByte <<= 1;
          const bit = range.bit(literals, base + ((1 + matchBit) << 8) + symbol);
          symbol = (symbol << 1) | bit;
          if (matchBit !== bit) break;
        }
      }
      while (symbol < 0x100) symbol = (symbol << 1) | range.bit(literals, base + symbol);
      room(1);
      output[position++] = symbol - 0x100;
      state = state < 4 ? 0 : state < 10 ? state - 3 : state - 6;
      continue;
    }
    let length;
    if (range.bit(isRep, state) !== 0) {
      if (position === 0) throw new Error("LZMA: corrupt stream");
      if (range.bit(isRepG0, state) === 0) {
        if (range.bit(isRep0Long, (state << 4) + posState) === 0) {
          state = state < 7 ? 9 : 11; // one byte at rep0
          room(1);
          output[position] = output[position - rep0 - 1];
          position++;
          continue;
        }
      } else {
        let distance;
        if (range.bit(isRepG1, state) === 0) {
          distance = rep1;
        } else {
          if (range.bit(isRepG2, state) === 0) {
            distance = rep2;
          } else {
            distance = rep3;
            rep3 = rep2;
          }
          rep2 = rep1;
        }
        rep1 = rep0;
        rep0 = distance;
      }
      length = repLengths.decode(range, posState);
      state = state < 7 ? 8 : 11;
    } else {
      rep3 = rep2;
      rep2 = rep1;
      rep1 = rep0;
      length = lengths.decode(range, posState);
      state = state < 7 ? 7 : 10;
      const slot = range.tree(positionSlots, Math.min(length, 3) << 6, 6);
      if (slot < 4) {
        rep0 = slot;
      } else {
        const directBits = (slot >>> 1) - 1;
        let distance = ((2 | (slot & 1)) << directBits) >>> 0;
        if (slot < END_POS_MODEL_INDEX) {
          distance += range.reverseTree(positionDecoders, distance - slot, directBits);
        } else {
          distance = (distance + range.direct(directBits - ALIGN_BITS) * (1 << ALIGN_BITS)) >>> 0;
          distance = (distance + range.reverseTree(align, 0, ALIGN_BITS)) >>> 0;
        }
        rep0 = distance;
      }
      if (rep0 === 0xffffffff) break; // the end marker
    }
    length += MATCH_MIN_LENGTH;
    if (rep0 >= position) throw new Error("LZMA: corrupt stream");
    room(length);
    for (let from = position - rep0 - 1; length > 0; length--) output[position++] = output[from++];
  }
  if (known && position < size) throw new Error("LZMA: the stream ended before the size its header gives");
  return known ? output : output.slice(0, position);
}
