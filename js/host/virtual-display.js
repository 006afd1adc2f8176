// A virtual X display (Debian's Xvfb) for `petrichor host --app`, and for tests: started on a free
// display number that Xvfb picks itself (-displayfd), stopped with the process that started it.
// Its framebuffer can be larger than its screen (maxWidth × maxHeight): the screen can then grow to
// that with RandR (the native host follows the client's viewport that way), and starts at width ×
// height, set by the native host program before this resolves. Xvfb runs with -noreset: a size set
// stays when the last client leaves.
import { execFile, spawn } from "node:child_process";
import { nativeProgram } from "./native-host.js";

const START_TIMEOUT_MS = 10000;

/** Runs `petrichor-host --size WxH --resize-only` on the display; rejects with its last words. */
function resizeScreen(display, width, height, program) {
  return new Promise((resolve, reject) => {
    const args = ["--display", display, "--size", `${width}x${height}`, "--resize-only"];
    execFile(program, args, { timeout: START_TIMEOUT_MS, encoding: "buffer" }, (error, stdout, stderr) => {
      if (!error) return resolve();
      // Its failure is an ERROR message of the stdio protocol: a 5-byte header, then UTF-8.
      const why = stdout.length > 5 ? stdout.subarray(5).toString("utf8") : String(stderr).trim() || error.message;
      reject(new Error(`the virtual display could not be made ${width}x${height}: ${why}`));
    });
  });
}

/**
 * Starts Xvfb; resolves to {display: ":N", width, height, maxWidth, maxHeight, stop()} once it accepts
 * clients at width × height. maxWidth × maxHeight (default: width × height) is the framebuffer, the
 * largest the screen can become; a larger one than the screen needs the native host program (resizer).
 */
export function startVirtualDisplay({ width = 1280, height = 720, maxWidth = width, maxHeight = height, xvfb = "Xvfb", resizer = nativeProgram("petrichor-host") } = {}) {
  maxWidth = Math.max(maxWidth, width);
  maxHeight = Math.max(maxHeight, height);
  return new Promise((resolve, reject) => {
    // fd 3 is where Xvfb writes the display number once it is ready.
    const args = ["-displayfd", "3", "-screen", "0", `${maxWidth}x${maxHeight}x24`, "-nolisten", "tcp", "-noreset", "+extension", "XTEST", "+extension", "DAMAGE", "+extension", "RANDR"];
    const child = spawn(xvfb, args, { stdio: ["ignore", "ignore", "pipe", "pipe"] });
    let stderr = "";
    let number = "";
    const timer = setTimeout(() => fail(new Error(`Xvfb did not start within ${START_TIMEOUT_MS} ms: ${stderr.trim()}`)), START_TIMEOUT_MS);
    const fail = (error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(error);
    };
    child.on("error", (error) => fail(new Error(`Xvfb could not be started (${error.message}); install Debian's xvfb`)));
    child.on("exit", (code) => fail(new Error(`Xvfb exited with status ${code}: ${stderr.trim()}`)));
    child.stderr.on("data", (chunk) => (stderr = (stderr + chunk).slice(-2000)));
    child.stdio[3].on("data", async (chunk) => {
      if (number.includes("\n")) return; // said once
      number += chunk;
      if (!number.includes("\n")) return;
      clearTimeout(timer);
      const display = `:${number.trim()}`;
      if (maxWidth !== width || maxHeight !== height) {
        try {
          await resizeScreen(display, width, height, resizer);
        } catch (error) {
          fail(error);
          return;
        }
      }
      child.removeAllListeners("exit");
      resolve({
        display,
        width,
        height,
        maxWidth,
        maxHeight,
        stop() {
          child.kill("SIGTERM");
        },
        exited: new Promise((done) => child.once("exit", done)),
      });
    });
  });
}
