// Loads the Petrichor core (dist/petrichor.wasm) in Node and in browsers from the same code.
// The import object is written by hand and mirrors the imports in src/wasm/boundary.h; there is no
// Emscripten JS runtime. This module touches only WebAssembly, fetch, crypto and TextEncoder/Decoder,
// all of which browsers and Node >= 18 provide as globals; what only Node can do (read a file) goes
// through "#platform/node" (package.json "imports"), which bundlers building for browsers never
// resolve to Node code.

/** Imports the module needs: kept in one list so that tests can check it against the binary. */
export const CORE_IMPORTS = Object.freeze([
  "petrichor.random_fill",
  "env.emscripten_notify_memory_growth",
]);

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: false });
const RANDOM_CHUNK = 65536; // crypto.getRandomValues fills at most 64 KiB per call

const compiled = new Map(); // url, or "default" -> Promise<WebAssembly.Module>
let defaultSource = null;

/**
 * Where createCore() takes the core from when given neither url nor bytes: {url} or {bytes: () =>
 * BufferSource or a promise of one}. Set by the entry point: js/core/package-wasm.js (the package's .wasm file) or
 * js/core/bundled-core.js (bytes bundled into the JavaScript). Without either, Node reads the
 * package's file.
 */
export function setDefaultCoreSource(source) {
  defaultSource = source;
  compiled.delete("default");
}

async function fetchWasmBytes(url) {
  if (url.protocol === "file:") {
    // Node: fetch() does not read file: URLs.
    return (await import("#platform/node")).readLocalFile(url);
  }
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`Could not load the Petrichor core from ${url}: HTTP ${response.status}`);
  }
  return response.arrayBuffer();
}

async function defaultBytes() {
  const source = defaultSource ?? { url: (await import("#platform/node")).packageWasmUrl() };
  return source.bytes ? source.bytes() : fetchWasmBytes(new URL(source.url));
}

/** Compiles the core once per source (the given bytes, the given URL, else the default) and returns the WebAssembly.Module. */
export function compileCore({ url, bytes } = {}) {
  if (bytes) {
    return WebAssembly.compile(bytes);
  }
  const key = url ? String(url) : "default";
  if (!compiled.has(key)) {
    const promise = (url ? fetchWasmBytes(new URL(key)) : defaultBytes()).then((wasm) => WebAssembly.compile(wasm));
    promise.catch(() => compiled.delete(key)); // a failed load may be retried
    compiled.set(key, promise);
  }
  return compiled.get(key);
}

/** Instantiates a fresh core (own memory, own registry) and returns its WasmCore wrapper. */
export async function loadCore(options = {}) {
  return instantiateCore(await compileCore(options));
}

/** Instantiates a compiled core module (a media worker gets the page's WebAssembly.Module). */
export async function instantiateCore(module) {
  const core = new WasmCore();
  const instance = await WebAssembly.instantiate(module, core.importObject());
  core.attach(instance);
  return core;
}

/** One instance of the core module, with helpers to move bytes and strings across the boundary. */
export class WasmCore {
  #exports = null;
  #memory = null;
  #bytes = null; // Uint8Array over memory.buffer, replaced when the memory grows
  #view = null;

  importObject() {
    return {
      petrichor: {
        random_fill: (ptr, length) => {
          try {
            for (let offset = 0; offset < length; offset += RANDOM_CHUNK) {
              const chunk = Math.min(RANDOM_CHUNK, length - offset);
              crypto.getRandomValues(this.bytes().subarray(ptr + offset, ptr + offset + chunk));
            }
            return 0;
          } catch {
            return -1;
          }
        },
      },
      env: {
        emscripten_notify_memory_growth: () => this.#refreshViews(),
      },
    };
  }

  attach(instance) {
    this.#exports = instance.exports;
    this.#memory = instance.exports.memory;
    this.#refreshViews();
    instance.exports._initialize(); // runs the module's static constructors (reactor module)
  }

  /** The raw exports of src/wasm/boundary.h. */
  get exports() {
    return this.#exports;
  }

  #refreshViews() {
    this.#bytes = new Uint8Array(this.#memory.buffer);
    this.#view = new DataView(this.#memory.buffer);
  }

  /** A byte view of the whole memory, valid until the next call into the core. */
  bytes() {
    // Growth detaches the old buffer; the growth import refreshes eagerly, this check catches the rest.
    if (this.#bytes.buffer !== this.#memory.buffer) this.#refreshViews();
    return this.#bytes;
  }

  /** A DataView of the whole memory, valid until the next call into the core. */
  view() {
    if (this.#view.buffer !== this.#memory.buffer) this.#refreshViews();
    return this.#view;
  }

  alloc(length) {
    const ptr = this.#exports.alloc(length);
    if (ptr === 0) throw new RangeError(`Petrichor core is out of memory (asked for ${length} bytes)`);
    return ptr;
  }

  free(ptr) {
    this.#exports.free(ptr);
  }

  /** Copies bytes into a fresh heap block; the caller frees it. */
  copyIn(data, extraCapacity = 0) {
    const bytes = toBytes(data);
    const ptr = this.alloc(bytes.length + extraCapacity);
    this.bytes().set(bytes, ptr);
    return ptr;
  }

  /** Copies length bytes out of the heap into a new Uint8Array. */
  copyOut(ptr, length) {
    return this.bytes().slice(ptr, ptr + length);
  }

  /**
   * Calls fn(ptr0, len0, ptr1, len1, ...) with each value (string as UTF-8, or bytes) copied into
   * the heap; every block is freed afterwards, also when fn throws.
   */
  withBuffers(values, fn) {
    const blocks = [];
    try {
      const args = [];
      for (const value of values) {
        const bytes = toBytes(value);
        const ptr = this.copyIn(bytes);
        blocks.push(ptr);
        args.push(ptr, bytes.length);
      }
      return fn(...args);
    } finally {
      for (const ptr of blocks) this.free(ptr);
    }
  }

  /** Reads a NUL-terminated UTF-8 string at ptr. */
  readCString(ptr) {
    const bytes = this.bytes();
    let end = ptr;
    while (bytes[end] !== 0) end++;
    return decoder.decode(bytes.subarray(ptr, end));
  }

  /** The name of a core error code ("PT_ERR_STALE_HANDLE"). */
  errorName(code) {
    return this.readCString(this.#exports.error_name(code));
  }

  /** Bytes allocated in the module heap right now. */
  heapUsed() {
    return this.#exports.heap_used();
  }
}

/** Accepts string | Uint8Array | ArrayBuffer | ArrayBufferView and returns a Uint8Array (no copy when possible). */
export function toBytes(data) {
  if (typeof data === "string") return encoder.encode(data);
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError("expected a string, Uint8Array, ArrayBuffer or ArrayBufferView");
}
