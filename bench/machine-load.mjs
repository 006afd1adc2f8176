// Load on the whole machine while a bench path runs, from other processes: "core" keeps one core
// busy (a busy loop), "loaded" is a machine an app shares with others (two software H.264 encoders
// of a 720p30 test picture and two busy loops: a load of 4 and more on two cores).
import { spawn } from "node:child_process";

const busyLoop = () => spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" });
const encoder = () =>
  spawn("ffmpeg", ["-nostdin", "-loglevel", "error", "-re", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30", "-c:v", "libx264", "-preset", "veryfast", "-f", "null", "-"], {
    stdio: "ignore",
  });

export const MACHINE_LOADS = {
  core: () => [busyLoop()],
  loaded: () => [encoder(), encoder(), busyLoop(), busyLoop()],
};

/** Starts the load named `kind` (MACHINE_LOADS); resolves to stop(), which ends its processes. */
export async function startMachineLoad(kind) {
  const processes = MACHINE_LOADS[kind]();
  const stop = () =>
    Promise.all(
      processes.map((child) => {
        if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGKILL");
        return exited;
      }),
    );
  try {
    // A process that cannot start (no ffmpeg) fails the path, rather than measuring an idle machine.
    await Promise.all(processes.map((child) => new Promise((resolve, reject) => child.once("spawn", resolve).once("error", reject))));
  } catch (error) {
    await stop();
    throw new Error(`machine load "${kind}": ${error.message}`);
  }
  return stop;
}
