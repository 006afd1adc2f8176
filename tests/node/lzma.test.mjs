// The LZMA decoder that unpacks a bundled app's wasm core (js/core/lzma.js), against Debian's xz: what
// xz packs, it unpacks byte for byte, whatever the stream's settings; damaged streams throw, and never
// make it write past what the header allows.
import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { decodeLzma } from "../../js/core/lzma.js";
import { compressLzma } from "../../scripts/build.mjs";
import { ROOT, WASM_FILE } from "../helpers/paths.mjs";

/** xz --format=lzma with the given LZMA1 options (e.g. "preset=6,lc=3,lp=0,pb=2"). */
function xz(bytes, options) {
  const result = spawnSync("xz", ["--format=lzma", `--lzma1=${options}`, "--stdout"], { input: bytes, maxBuffer: 1 << 28 });
  assert.equal(result.status, 0, String(result.stderr));
  return result.stdout;
}

const roundTrip = (bytes, packed) => assert.ok(Buffer.from(decodeLzma(packed)).equals(bytes), `${bytes.length} bytes came back changed`);

test("the bundled core unpacks to dist/petrichor.wasm", async () => {
  const { default: base64 } = await import(join(ROOT, "dist/petrichor-wasm.js"));
  roundTrip(readFileSync(WASM_FILE), Buffer.from(base64, "base64"));
});

test("whatever xz packs comes back byte for byte: every literal, position and match setting", () => {
  const wasm = readFileSync(WASM_FILE);
  // Text, code, noise and long runs, so that literals, matched literals, short and long matches and
  // every kind of repeated distance occur.
  const mixed = Buffer.concat(
    Array.from({ length: 300 }, (_, i) => (i % 3 === 0 ? randomBytes((i * 7) % 300) : i % 3 === 1 ? wasm.subarray(i * 97, i * 97 + 700) : Buffer.alloc(i, i))),
  );
  for (const options of ["preset=6", "preset=9e", "preset=0", "preset=6,lc=0,lp=0,pb=0", "preset=6,lc=4,lp=0,pb=4", "preset=6,lc=0,lp=4,pb=1", "preset=9,lc=2,lp=2,pb=3", "preset=6,mode=fast,nice=8"]) {
    roundTrip(mixed, xz(mixed, options));
  }
  roundTrip(wasm, compressLzma(wasm));
  roundTrip(Buffer.alloc(0), compressLzma(Buffer.alloc(0)));
  const noise = randomBytes(70000);
  roundTrip(noise, compressLzma(noise));
});

test("a size in the header is honoured: the output is exactly that long, never longer", () => {
  const bytes = readFileSync(WASM_FILE).subarray(0, 50000);
  const packed = Buffer.from(compressLzma(bytes));
  const sized = Buffer.from(packed);
  sized.writeBigUInt64LE(BigInt(bytes.length), 5);
  roundTrip(bytes, sized);
  // A header that says less: the output stops there, or a match across that point is an error (as in LzmaSpec).
  for (const size of [1000, 1001, 1002, 4093]) {
    const short = Buffer.from(packed);
    short.writeBigUInt64LE(BigInt(size), 5);
    try {
      assert.ok(Buffer.from(decodeLzma(short)).equals(bytes.subarray(0, size)), "a stream cut at its header's size keeps its start");
    } catch (error) {
      assert.match(error.message, /more data than the header says/);
    }
  }
  const longer = Buffer.from(packed);
  longer.writeBigUInt64LE(BigInt(bytes.length + 1), 5);
  assert.throws(() => decodeLzma(longer), /ended before the size its header gives/);
  const huge = Buffer.from(packed);
  huge.writeBigUInt64LE(1n << 40n, 5);
  assert.throws(() => decodeLzma(huge), /too large/);
});

test("damaged streams throw rather than loop or write out of bounds", () => {
  const bytes = readFileSync(WASM_FILE).subarray(0, 20000);
  const packed = Buffer.from(compressLzma(bytes));
  assert.throws(() => decodeLzma(packed.subarray(0, 12)), /truncated header/);
  assert.throws(() => decodeLzma(packed.subarray(0, packed.length >> 1)), /truncated stream/);
  const badProperties = Buffer.from(packed);
  badProperties[0] = 225;
  assert.throws(() => decodeLzma(badProperties), /bad properties/);
  const badFirstByte = Buffer.from(packed);
  badFirstByte[13] = 1;
  assert.throws(() => decodeLzma(badFirstByte), /corrupt/);
  // Flipped bytes anywhere in the stream: an error, or some output, but nothing else.
  let threw = 0;
  for (let i = 0; i < 200; i++) {
    const damaged = Buffer.from(packed);
    const at = 14 + ((i * 7919) % (packed.length - 14));
    damaged[at] ^= 1 << (i % 8);
    try {
      const out = decodeLzma(damaged);
      assert.ok(out.length <= 64 * 1024 * 1024);
    } catch (error) {
      assert.match(error.message, /^LZMA: /);
      threw++;
    }
  }
  assert.ok(threw > 100, `only ${threw} of 200 damaged streams were noticed`);
});
