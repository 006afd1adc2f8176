// Shared by the impaired-stream bench pages (bench/impaired-stream.mjs): the host's picture, whose
// every frame carries its counter and draw time as a row of black/white blocks, and the reading of
// those blocks back from whatever shows the picture on the client (a canvas or a <video>).
//
// The code: 64 bits, two rows of 32 blocks of 32 × 32 px on a mid-grey band at the top of the
// 1280 × 720 picture. Bits 0–23 the frame counter, 24–47 the draw time (ms, modulo 2^24, on the
// `performance.timeOrigin + performance.now()` clock), 48–63 a CRC-16/CCITT of the first six bytes;
// big-endian, most significant bit first, white = 1. Blocks this large survive H.264 at 1.5 Mbit/s
// and a sender's downscaling to a quarter of the size; a reading whose CRC fails is "unreadable".

import { now } from "./raw-link.js";

export { now }; // the clock both pages share

export const WIDTH = 1280;
export const HEIGHT = 720;
export const FPS = 30;
export const CODE = { x: 128, y: 16, block: 32, columns: 32, rows: 2 };
CODE.width = CODE.block * CODE.columns;
CODE.height = CODE.block * CODE.rows;
const BAND = 96; // the grey band the code sits on
const SAMPLE = 16; // the centre of each block that is averaged when reading


/** CRC-16/CCITT-FALSE (poly 0x1021, init 0xffff). */
function crc16(bytes) {
  let crc = 0xffff;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

function encode(counter, timeMs) {
  const t = Math.floor(timeMs) % 2 ** 24;
  const c = counter % 2 ** 24;
  const bytes = Uint8Array.of(c >> 16, (c >> 8) & 0xff, c & 0xff, t >> 16, (t >> 8) & 0xff, t & 0xff, 0, 0);
  const crc = crc16(bytes.subarray(0, 6));
  bytes[6] = crc >> 8;
  bytes[7] = crc & 0xff;
  return bytes;
}

/** Draws frame `counter` (drawn at `timeMs`): moving shapes over a moving gradient, and the code. */
export function drawFrame(context, counter, timeMs) {
  const phase = (counter % 240) / 240;
  const gradient = context.createLinearGradient(0, 0, WIDTH, HEIGHT);
  gradient.addColorStop(0, `hsl(${Math.round(phase * 360)} 45% 30%)`);
  gradient.addColorStop(1, `hsl(${Math.round(phase * 360 + 120) % 360} 45% 45%)`);
  context.fillStyle = gradient;
  context.fillRect(0, 0, WIDTH, HEIGHT);
  for (let i = 0; i < 16; i++) {
    const x = ((i * 97 + counter * (3 + (i % 5))) % (WIDTH + 160)) - 160;
    const y = BAND + 24 + ((i * 41) % (HEIGHT - BAND - 200));
    context.fillStyle = `hsl(${(i * 23 + counter) % 360} 70% 55%)`;
    context.fillRect(x, y, 160, 90);
  }
  context.font = "bold 96px sans-serif";
  context.fillStyle = "#fff";
  context.fillText(`frame ${counter}`, 60, HEIGHT - 60);
  context.fillStyle = "rgb(128, 128, 128)";
  context.fillRect(0, 0, WIDTH, BAND);
  const bytes = encode(counter, timeMs);
  for (let i = 0; i < 64; i++) {
    const bit = (bytes[i >> 3] >> (7 - (i & 7))) & 1;
    context.fillStyle = bit ? "#fff" : "#000";
    context.fillRect(CODE.x + (i % CODE.columns) * CODE.block, CODE.y + Math.floor(i / CODE.columns) * CODE.block, CODE.block, CODE.block);
  }
}

/**
 * A reader of the code from a drawable source (a canvas or a video) of any size: the code's region
 * is scaled into a scratch canvas and read there. read(source, width, height) returns
 * {bits (a string of 16 hex digits), counter, timeMs} or {bits, counter: null} when the CRC fails.
 */
export function codeReader() {
  const scratch = document.createElement("canvas");
  scratch.width = CODE.width;
  scratch.height = CODE.height;
  const context = scratch.getContext("2d", { willReadFrequently: true });
  return (source, width, height) => {
    const sx = width / WIDTH;
    const sy = height / HEIGHT;
    context.drawImage(source, CODE.x * sx, CODE.y * sy, CODE.width * sx, CODE.height * sy, 0, 0, CODE.width, CODE.height);
    return decodeCode(context.getImageData(0, 0, CODE.width, CODE.height).data);
  };
}

/**
 * Reads the code from the RGBA pixels of its region scaled to CODE.width × CODE.height: {bits (a
 * string of 16 hex digits), counter, timeMs}, or {bits, counter: null} when the CRC fails.
 */
export function decodeCode(data) {
  const bytes = new Uint8Array(8);
  for (let i = 0; i < 64; i++) {
    const x0 = (i % CODE.columns) * CODE.block + (CODE.block - SAMPLE) / 2;
    const y0 = Math.floor(i / CODE.columns) * CODE.block + (CODE.block - SAMPLE) / 2;
    let sum = 0;
    for (let y = y0; y < y0 + SAMPLE; y++) {
      for (let x = x0; x < x0 + SAMPLE; x++) {
        const at = (y * CODE.width + x) * 4;
        sum += data[at] + data[at + 1] + data[at + 2];
      }
    }
    if (sum / (3 * SAMPLE * SAMPLE) >= 128) bytes[i >> 3] |= 0x80 >> (i & 7);
  }
  const bits = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  if (crc16(bytes.subarray(0, 6)) !== ((bytes[6] << 8) | bytes[7])) return { bits, counter: null };
  return { bits, counter: (bytes[0] << 16) | (bytes[1] << 8) | bytes[2], timeMs: (bytes[3] << 16) | (bytes[4] << 8) | bytes[5] };
}

/**
 * This page's clock (`now()`) less the system clock (Date.now()), in ms: the median over the
 * Date.now() millisecond edges caught in a busy loop of up to 60 ms (each to the clock's 0.1 ms).
 */
export function clockOffset() {
  const offsets = [];
  let last = Date.now();
  const until = performance.now() + 60;
  while (performance.now() < until && offsets.length < 25) {
    const wall = Date.now();
    const mine = now();
    if (wall !== last) offsets.push(mine - wall);
    last = wall;
  }
  offsets.sort((a, b) => a - b);
  return offsets.length ? offsets[offsets.length >> 1] : null;
}
