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

/** CPU seconds (user + system, all threads) in a process's stat fields. */
const statCpuSeconds = (fields) => (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;

/** CPU seconds (user + system, all threads) a process has used so far. */
export function cpuSeconds(pid) {
  return statCpuSeconds(statFields(pid));
}

/** CPU seconds used so far by every live process under `root` (not `root` itself). */
export function descendantsCpuSeconds(root) {
  const processes = new Map(); // pid -> {parent, seconds}, from one read of each stat file
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = statFields(entry);
      processes.set(Number(entry), { parent: Number(fields[1]), seconds: statCpuSeconds(fields) });
    } catch {
      // gone meanwhile
    }
  }
  const tree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, { parent }] of processes) {
      if (!tree.has(pid) && tree.has(parent)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  tree.delete(root);
  let seconds = 0;
  for (const pid of tree) seconds += processes.get(pid).seconds;
  return seconds;
}
