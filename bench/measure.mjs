// Small helpers every bench shares.
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";

/**
 * A time limit for one bench's steps: limit(ms, what, promise) rejects with a message naming the bench
 * and `what` when `promise` takes longer than `ms`, so that no step can hang `npm run bench`.
 */
export function stepTimeLimit(bench) {
  return (ms, what, promise) => {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${bench} bench: ${what} took longer than ${ms} ms`)), ms);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  };
}

/** Nearest-rank percentile of sorted values. */
export const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];

/** sysconf(_SC_CLK_TCK): the unit of utime and stime in /proc/<pid>/stat (100 on Debian). */
function clockTicks() {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
}
const CLOCK_TICKS = clockTicks();

/** The fields of /proc/<pid>/stat after "pid (comm) ": [0] state, [1] ppid, [11] utime, [12] stime. */
function statFields(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
}

/** CPU seconds (user + system, all threads) a process has used so far. */
export function cpuSeconds(pid) {
  const fields = statFields(pid);
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** CPU seconds used so far by every live process under `root` (not `root` itself). */
export function descendantsCpuSeconds(root) {
  const parents = new Map(); // pid -> parent pid
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      parents.set(Number(entry), Number(statFields(entry)[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, parent] of parents) {
      if (!tree.has(pid) && tree.has(parent)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  let seconds = 0;
  for (const pid of tree) {
    if (pid === root) continue;
    try {
      seconds += cpuSeconds(pid);
    } catch {
      // gone meanwhile
    }
  }
  return seconds;
}
