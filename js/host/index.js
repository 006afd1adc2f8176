// "petrichor/host" (Node only): hosts that run beside the SDK — a Linux display or app (startHost,
// with the native host program), a live ffmpeg source, and virtual X displays.
export { startFfmpegSource } from "./ffmpeg-source.js";
export { startHost } from "./linux-host.js";
export { startVirtualDisplay } from "./virtual-display.js";
