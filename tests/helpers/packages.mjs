// npm packages for the tests that install Petrichor as an app would: this repository and
// packages/react packed with `npm pack` (how they are installed until they are published), and
// packages from the npm registry, each set installed once into a folder of the cache named by a hash of
// what it holds, so that a second run installs nothing. The cache is outside the repository
// (~/.cache/petrichor/npm-test, or $PETRICHOR_CACHE/npm-test): an app there must not find the
// repository's own node_modules (such as @roamhq/wrtc) by walking up.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CACHE as PETRICHOR_CACHE } from "../../scripts/deps.mjs";
import { ROOT } from "./paths.mjs";

export const CACHE = join(PETRICHOR_CACHE, "npm-test");

/** A short content hash. */
export function hash(...parts) {
  const digest = createHash("sha256");
  for (const part of parts) digest.update(typeof part === "string" ? part : Buffer.from(part)).update("\0");
  return digest.digest("hex").slice(0, 16);
}

/** A hash of every file under `dir` (names and contents), skipping node_modules. */
export function hashTree(dir) {
  const files = readdirSync(dir, { recursive: true })
    .map(String)
    .filter((name) => !name.split("/").includes("node_modules") && statSync(join(dir, name)).isFile())
    .sort();
  return hash(...files.flatMap((name) => [name, readFileSync(join(dir, name))]));
}

/**
 * The environment for commands run in an app's folder: without the npm_* variables that `npm test`
 * sets (npm_config_local_prefix would make a nested `npm install` install into this repository).
 */
function cleanEnv(extra) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name) && name !== "INIT_CWD"));
  return { ...env, ...extra };
}

/**
 * Runs a command (with `input` on its stdin); throws with its output when it fails. Returns stdout
 * (with `all`, stdout and stderr).
 */
export function run(command, args, { cwd, env, input, timeout = 600_000, all = false } = {}) {
  const result = spawnSync(command, args, { cwd, env: cleanEnv(env), input, encoding: "utf8", timeout, maxBuffer: 64 << 20 });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim().split("\n").slice(-40).join("\n");
    throw new Error(`${command} ${args.join(" ")} (in ${cwd}) failed: ${result.error ?? `exit ${result.status}`}\n${output}`);
  }
  return all ? `${result.stdout}${result.stderr}` : result.stdout;
}

/** Removes the older versions (`<prefix><hash>[.tgz]`) of what CACHE/keep is the newest of. */
function prune(prefix, keep) {
  for (const name of readdirSync(CACHE)) {
    if (name !== keep && name.startsWith(prefix) && /^[0-9a-f]{16}(\.tgz)?$/.test(name.slice(prefix.length))) {
      rmSync(join(CACHE, name), { recursive: true, force: true });
    }
  }
}

/**
 * Packs the package in `dir` with `npm pack` (which runs its prepack script) and returns the path of
 * the tarball in CACHE, named `<name>-<version>-<hash of its bytes>.tgz` (npm pack is reproducible,
 * so the same files give the same name). Once per folder and test process.
 */
const packed = new Map(); // dir -> tarball, once per test process

export function pack(dir = ROOT) {
  if (packed.has(dir)) return packed.get(dir);
  mkdirSync(CACHE, { recursive: true });
  const work = mkdtempSync(join(CACHE, ".pack-"));
  try {
    const [{ filename, name, version }] = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", work], { cwd: dir }));
    const bytes = readFileSync(join(work, filename));
    const target = `${name}-${version}-${hash(bytes)}.tgz`;
    if (!existsSync(join(CACHE, target))) renameSync(join(work, filename), join(CACHE, target));
    prune(`${name}-${version}-`, target);
    packed.set(dir, join(CACHE, target));
    return join(CACHE, target);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Runs `npm install <specs>` in a fresh folder, as a user would in an app, once for these specs:
 * returns CACHE/<name>-<hash of the specs>, already there on later runs. A file: spec should name a
 * tarball from pack(), whose name carries its content hash.
 */
export function install(name, specs) {
  mkdirSync(CACHE, { recursive: true });
  const folder = `${name}-${hash(...specs)}`;
  const dir = join(CACHE, folder);
  if (existsSync(join(dir, ".installed"))) return dir;
  const work = mkdtempSync(join(CACHE, `.${folder}-`));
  try {
    writeFileSync(join(work, "package.json"), `${JSON.stringify({ name: `test-${name}`, private: true }, null, 2)}\n`);
    const npmInstall = () => run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", ...specs], { cwd: work });
    try {
      npmInstall();
    } catch {
      npmInstall(); // once more, for a registry that failed to answer
    }
    writeFileSync(join(work, ".installed"), `${specs.join("\n")}\n`);
    prune(`${name}-`, folder);
    renameSync(work, dir);
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    if (existsSync(join(dir, ".installed"))) return dir; // installed meanwhile by another test file
    throw error;
  }
  return dir;
}

/**
 * Builds once per content: `build(out)` runs with a fresh folder `out`, which is kept under
 * CACHE/<name>-<key> when it succeeds; later calls with the same key return it without building.
 */
export function cachedBuild(name, key, build) {
  const folder = `${name}-${key}`;
  const dir = join(CACHE, folder);
  if (existsSync(join(dir, ".built"))) return { dir, cached: true };
  const work = mkdtempSync(join(CACHE, `.${folder}-`));
  try {
    build(work);
    writeFileSync(join(work, ".built"), "");
    prune(`${name}-`, folder);
    renameSync(work, dir);
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
  return { dir, cached: false };
}
