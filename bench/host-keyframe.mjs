// How fast the native host answers a keyframe request: from the KEYFRAME command to the keyframe's
// arrival at the Node side, on a virtual display that keeps changing (petrichor-demo-app --animate),
// against the frame interval measured in the same run (a request can at best be answered at the
// next frame tick). Goal: within 250 ms.
import { spawn } from "node:child_process";
import { NativeHost, nativeProgram } from "../js/host/native-host.js";
import { startVirtualDisplay } from "../js/host/virtual-display.js";
import { percentile } from "./measure.mjs";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves to {p50, p99, max, frameIntervalMs, samples} in ms. */
export async function measureKeyframeLatency({ requests = 40, spacingMs = 250, width = 1280, height = 720 } = {}) {
  let display;
  let app;
  let native;
  try {
    display = await startVirtualDisplay({ width, height });
    app = spawn(nativeProgram("petrichor-demo-app"), ["--display", display.display, "--animate"], { stdio: "ignore" });
    native = new NativeHost({ display: display.display, fps: 30, bitrate: 2_000_000, env: { ...process.env, PULSE_SERVER: "unix:/nonexistent/petrichor-bench" } });
    await native.hello();
    const frames = [];
    native.on("video", (chunk) => frames.push({ at: performance.now(), type: chunk.type }));
    await sleep(1500); // past the first keyframe and the encoder's start
    const latencies = [];
    for (let i = 0; i < requests; i++) {
      const asked = performance.now();
      native.requestKeyframe();
      const deadline = asked + 5000;
      let answer;
      while (!(answer = frames.find((f) => f.at > asked && f.type === "key")) && performance.now() < deadline) await sleep(1);
      if (!answer) throw new Error("host-keyframe bench: a keyframe request went unanswered for 5 s");
      latencies.push(answer.at - asked);
      await sleep(spacingMs);
    }
    const sorted = latencies.sort((a, b) => a - b);
    const deltas = frames.slice(1).map((f, i) => f.at - frames[i].at).sort((a, b) => a - b);
    return { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1), frameIntervalMs: percentile(deltas, 0.5), samples: sorted.length };
  } finally {
    native?.stop();
    app?.kill();
    display?.stop();
  }
}
