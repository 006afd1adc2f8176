// A virtual X display (Debian's Xvfb) for `petrichor host --app`, and for tests: started on a free
// display number that Xvfb picks itself (-displayfd), stopped with the process that started it.
import { spawn } from "node:child_process";

const START_TIMEOUT_MS = 10000;

/** Starts Xvfb; resolves to {display: ":N", stop()} once it accepts clients. */
export function startVirtualDisplay({ width = 1280, height = 720, xvfb = "Xvfb" } = {}) {
  return new Promise((resolve, reject) => {
    // fd 3 is where Xvfb writes the display number once it is ready.
    const child = spawn(xvfb, ["-displayfd", "3", "-screen", "0", `${width}x${height}x24`, "-nolisten", "tcp", "+extension", "XTEST", "+extension", "DAMAGE"], {
      stdio: ["ignore", "ignore", "pipe", "pipe"],
    });
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
    child.stdio[3].on("data", (chunk) => {
      number += chunk;
      if (!number.includes("\n")) return;
      clearTimeout(timer);
      child.removeAllListeners("exit");
      const display = `:${number.trim()}`;
      resolve({
        display,
        width,
        height,
        stop() {
          child.kill("SIGTERM");
        },
        exited: new Promise((done) => child.once("exit", done)),
      });
    });
  });
}
