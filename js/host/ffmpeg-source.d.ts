// Types of "petrichor/host": a live ffmpeg source for Node hosts.

export interface EncodedChunk {
  type: "key" | "delta";
  /** Microseconds. */
  timestamp: number;
  data: Uint8Array;
}

export interface FfmpegSourceOptions {
  width?: number;
  height?: number;
  frameRate?: number;
  /** Frames between keyframes. */
  keyframeInterval?: number;
  /** Video bits per second. */
  bitrate?: number;
  profile?: "baseline" | "main" | "high";
  toneHz?: number;
  /** ffmpeg input arguments replacing the test pattern / the tone. */
  videoInput?: string[];
  audioInput?: string[];
  durationSeconds?: number;
  /** Read inputs at their native rate (default true). */
  realtime?: boolean;
  ffmpeg?: string;
}

export interface FfmpegSource {
  on(event: "video" | "audio", listener: (chunk: EncodedChunk) => void): this;
  on(event: "error", listener: (error: Error) => void): this;
  on(event: "end", listener: () => void): this;
  once(event: "end", listener: () => void): this;
  /** Stops ffmpeg; from then on the source emits nothing (no chunk it had not yet handed out, no "end"). */
  stop(): void;
  /**
   * Follows a rate controller's request: restarts the encoder at the new rate (at most every 2 s, only for a
   * change of 15% or more; not for a source with durationSeconds). Timestamps go on.
   */
  setBitrate(bitsPerSecond: number): void;
}

/** Starts ffmpeg encoding H.264 (Annex-B access units, canonical 4-byte start codes) and Opus. */
export declare function startFfmpegSource(options?: FfmpegSourceOptions): FfmpegSource;
