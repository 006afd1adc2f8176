// Small helpers every bench shares.
import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";

export { stepTimeLimit } from "./time-limit.mjs";

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
export const CLOCK_TICKS = clockTicks();

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

/** The live processes under `root` (not `root` itself), with their CPU seconds so far: Map pid → seconds. */
function descendants(root) {
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
  const tree = new Map([[root, 0]]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, { parent, seconds }] of processes) {
      if (!tree.has(pid) && tree.has(parent)) {
        tree.set(pid, seconds);
        grew = true;
      }
    }
  }
  tree.delete(root);
  return tree;
}

/** CPU seconds used so far by every live process under `root` (not `root` itself). */
export function descendantsCpuSeconds(root) {
  let seconds = 0;
  for (const used of descendants(root).values()) seconds += used;
  return seconds;
}

/**
 * The memory of every live process under `root` (not `root` itself), in bytes: their proportional
 * set size (PSS: each shared page split among the processes sharing it, so that a browser's many
 * processes are not counted once each for what they share). {total, byKind}: byKind sums it by
 * Chromium's process type (its --type, "browser" for the one without; a utility's sub-type).
 */
export function descendantsPss(root) {
  const memory = { total: 0, byKind: {} };
  for (const pid of descendants(root).keys()) {
    try {
      const pss = Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"))?.[1] ?? 0) * 1024;
      const command = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      const kind = /--utility-sub-type=[\w.]*?(\w+)\.mojom/.exec(command)?.[1] ?? /--type=([\w-]+)/.exec(command)?.[1] ?? "browser";
      memory.total += pss;
      memory.byKind[kind] = (memory.byKind[kind] ?? 0) + pss;
    } catch {
      // gone meanwhile
    }
  }
  return memory;
}
