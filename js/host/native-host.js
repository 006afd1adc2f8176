// The native host program (src/host/host_main.c) as a Node object: spawns it, speaks its stdio
// protocol (docs/PROTOCOL.md, "Host stdio protocol"), and reports what it says as events:
// "hello" {version, width, height, frameRate, codec, audio: {codec, sampleRate, channels} | null},
// "video" {type, timestamp, data}, "audio" {type: "key", timestamp, data} (one Opus packet),
// "client-input" (records for the client), "exit" (an Error, or null when it was asked to stop).
import { spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const HOST_PROTOCOL_VERSION = 1;
const Message = Object.freeze({ Hello: 1, Video: 2, Error: 3, ClientInput: 4, AudioFormat: 5, Audio: 6, Input: 16, Keyframe: 17, Bitrate: 18, Stop: 19 });
const HEADER_SIZE = 5;
const MAX_EVENT = 8 * 1024 * 1024; // the native side's largest message (host_protocol.h)
const HELLO_TIMEOUT_MS = 10000;

/** Where the build puts the native programs. */
export function nativeProgram(name) {
  return fileURLToPath(new URL(`../../build/native/${name}`, import.meta.url));
}

export class NativeHost extends EventEmitter {
  #child;
  #buffer = Buffer.alloc(0);
  #stopping = false;
  #exited = false;
  #stderr = "";

  #audio = null; // the AUDIO_FORMAT that came before HELLO, if any

  /**
   * Starts the program for an X display; options: fps, bitrate, software, program, env (its environment,
   * default process.env: PULSE_SERVER and the like choose the sound server whose monitor it records);
   * followViewport (the client's ViewportResize resizes the display: only for a display of the host's
   * own) with size {width, height}, the display's size at start (default: as it is).
   */
  constructor({ display, fps = 30, bitrate = 2_000_000, software = false, followViewport = false, size, program = nativeProgram("petrichor-host"), env = process.env }) {
    super();
    if (!existsSync(program)) {
      throw new Error(`the native host program is not built (${program}); run \`npm start\` or \`node scripts/build.mjs native\``);
    }
    const args = [
      ...["--display", display, "--fps", String(fps), "--bitrate", String(bitrate)],
      ...(software ? ["--software"] : []),
      ...(followViewport ? ["--follow-viewport"] : []),
      ...(size ? ["--size", `${size.width}x${size.height}`] : []),
    ];
    this.#child = spawn(program, args, { stdio: ["pipe", "pipe", "pipe"], env });
    this.#child.stdout.on("data", (chunk) => this.#receive(chunk));
    this.#child.stderr.on("data", (chunk) => {
      this.#stderr = (this.#stderr + chunk).slice(-4000); // the last words, for the error
      this.emit("log", String(chunk).trimEnd());
    });
    this.#child.stdin.on("error", () => {}); // a dead program is reported by "exit"
    this.#child.on("error", (error) => this.#finish(error));
    this.#child.on("exit", (code, signal) => {
      const why = this.#fatal ?? (signal ? `it was killed by ${signal}` : `it exited with status ${code}`);
      this.#finish(this.#stopping && !this.#fatal ? null : new Error(`The native host program stopped: ${why}.${this.#stderr ? ` ${this.#stderr.trim().split("\n").at(-1)}` : ""}`));
    });
    this.pid = this.#child.pid;
  }

  #fatal = null;

  /** Resolves with the program's hello, or rejects when it fails first or says nothing in time. */
  hello() {
    if (this.info) return Promise.resolve(this.info);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup();
        this.stop();
        reject(new Error(`The native host program said nothing within ${HELLO_TIMEOUT_MS} ms.`));
      }, HELLO_TIMEOUT_MS);
      const onHello = (info) => {
        cleanup();
        resolve(info);
      };
      const onExit = (error) => {
        cleanup();
        reject(error ?? new Error("The native host program stopped before it started."));
      };
      const cleanup = () => {
        clearTimeout(timer);
        this.off("hello", onHello);
        this.off("exit", onExit);
      };
      this.on("hello", onHello);
      this.on("exit", onExit);
    });
  }

  #finish(error) {
    if (this.#exited) return;
    this.#exited = true;
    this.emit("exit", error);
  }

  #receive(chunk) {
    this.#buffer = this.#buffer.length ? Buffer.concat([this.#buffer, chunk]) : chunk;
    while (this.#buffer.length >= HEADER_SIZE) {
      const length = this.#buffer.readUInt32LE(1);
      if (length > MAX_EVENT) {
        this.#fatal = `it sent a message of ${length} bytes`;
        this.#child.kill("SIGKILL");
        return;
      }
      if (this.#buffer.length < HEADER_SIZE + length) return;
      const type = this.#buffer[0];
      const payload = this.#buffer.subarray(HEADER_SIZE, HEADER_SIZE + length);
      this.#buffer = this.#buffer.subarray(HEADER_SIZE + length);
      this.#dispatch(type, payload);
    }
  }

  #dispatch(type, payload) {
    if (type === Message.Hello && payload.length >= 7) {
      const version = payload[0];
      if (version !== HOST_PROTOCOL_VERSION) {
        this.#fatal = `it speaks protocol version ${version}, this side ${HOST_PROTOCOL_VERSION}`;
        this.stop();
        return;
      }
      this.info = {
        version,
        width: payload.readUInt16LE(1),
        height: payload.readUInt16LE(3),
        frameRate: payload.readUInt16LE(5),
        codec: payload.subarray(7).toString("utf8"),
        audio: this.#audio, // AUDIO_FORMAT comes before HELLO when there is audio
      };
      this.emit("hello", this.info);
    } else if (type === Message.AudioFormat && payload.length > 5 && !this.info) {
      this.#audio = { codec: payload.subarray(5).toString("utf8"), sampleRate: payload.readUInt32LE(0), channels: payload[4] };
    } else if (type === Message.Audio && payload.length > 8) {
      const timestamp = Number(payload.readBigUInt64LE(0));
      this.emit("audio", { type: "key", timestamp, data: new Uint8Array(payload.subarray(8)) });
    } else if (type === Message.Video && payload.length > 9) {
      const timestamp = Number(payload.readBigUInt64LE(1));
      this.emit("video", { type: payload[0] ? "key" : "delta", timestamp, data: new Uint8Array(payload.subarray(9)) });
    } else if (type === Message.Error) {
      this.#fatal = payload.toString("utf8");
    } else if (type === Message.ClientInput) {
      this.emit("client-input", new Uint8Array(payload));
    }
  }

  #send(type, payload = Buffer.alloc(0)) {
    if (this.#exited || !this.#child.stdin.writable) return false;
    const header = Buffer.alloc(HEADER_SIZE);
    header[0] = type;
    header.writeUInt32LE(payload.length, 1);
    this.#child.stdin.write(Buffer.concat([header, payload]));
    return true;
  }

  /** Passes input records (as the core encodes them) on for injection. */
  sendInput(records) {
    return this.#send(Message.Input, Buffer.from(records.buffer, records.byteOffset, records.byteLength));
  }

  requestKeyframe() {
    return this.#send(Message.Keyframe);
  }

  setBitrate(bitsPerSecond) {
    const payload = Buffer.alloc(4);
    payload.writeUInt32LE(Math.max(0, Math.min(0xffffffff, Math.round(bitsPerSecond))));
    return this.#send(Message.Bitrate, payload);
  }

  /** Asks the program to stop; kills it if it has not within a second. */
  stop() {
    if (this.#exited) return;
    this.#stopping = true;
    this.#send(Message.Stop);
    this.#child.stdin.end();
    const timer = setTimeout(() => this.#child.kill("SIGKILL"), 1000);
    timer.unref();
    this.#child.once("exit", () => clearTimeout(timer));
  }

  /** For tests: ends the program abruptly, as a crash would. */
  kill(signal = "SIGKILL") {
    this.#child.kill(signal);
  }
}
