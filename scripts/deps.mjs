// Installs what the build and the tests need, and nothing that is already there:
//   Debian packages (apt-get, when running as root; otherwise a message naming them),
//   Debian source packages of the C dependencies (apt-get source, cached under ~/.cache/petrichor),
//   npm packages (npm install, when node_modules is missing or older than package.json).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
export const CACHE = process.env.PETRICHOR_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "petrichor");

/** Debian packages per purpose. */
export const PACKAGES = {
  // xz-utils: the wasm core in LZMA for bundled browser apps (scripts/build.mjs).
  build: ["cmake", "make", "gcc", "libc6-dev", "emscripten", "node-acorn", "dpkg-dev", "xz-utils"],
  // pulseaudio: a sound server of its own for the host's audio test; redis-server: the Redis that links
  // several gateway processes in their test; coturn: the TURN server of the relay-only test.
  test: ["chromium", "ffmpeg", "pulseaudio", "redis-server", "coturn"],
  // npm start's demo: ffmpeg's test pattern and tone (with the host's packages below for the interactive demo).
  demo: ["ffmpeg"],
  // The native Linux host (petrichor-host) and its demo app: X11, XTest, XDamage, RandR, FFmpeg's libraries,
  // libpulse (audio from the PulseAudio/PipeWire server), Xvfb.
  host: ["pkg-config", "libavcodec-dev", "libavutil-dev", "libswscale-dev", "libx11-dev", "libxext-dev", "libxtst-dev", "libxdamage-dev", "libxfixes-dev", "libxrandr-dev", "libpulse-dev", "xvfb"],
  // The libFuzzer harnesses (tests/fuzz): clang and its sanitizer and libFuzzer runtimes (x86-64 and i386), GCC's
  // multilib (the 32-bit C library and headers) and 32-bit libstdc++ (libFuzzer's), and qemu-user to run 32-bit
  // programs where the kernel cannot.
  fuzz: ["clang", "libclang-rt-14-dev", "gcc-multilib", "lib32stdc++-12-dev", "qemu-user"],
};

/** C dependencies: Debian source package and the upstream version we build against. */
export const SOURCE_PACKAGES = {
  srtp: { name: "libsrtp2", upstream: "2.5.0" },
  cjson: { name: "cjson", upstream: "1.7.15" },
};

const isRoot = process.getuid?.() === 0;

export function log(message) {
  process.stderr.write(`[petrichor] ${message}\n`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8", ...options });
  if (result.status !== 0) {
    const detail = `${result.stderr || ""}${result.stdout || ""}`.trim().split("\n").slice(-15).join("\n");
    throw new Error(`${command} ${args.join(" ")} failed (exit ${result.status}):\n${detail}`);
  }
  return result.stdout;
}

function missingPackages(names) {
  return names.filter((name) => {
    const result = spawnSync("dpkg-query", ["-W", "-f=${Status}", name], { encoding: "utf8" });
    return !(result.status === 0 && result.stdout.includes("install ok installed"));
  });
}

let aptUpdated = false;
function aptUpdate() {
  if (!aptUpdated) {
    log("apt-get update");
    run("apt-get", ["update", "-qq"]);
    aptUpdated = true;
  }
}

/** Installs missing Debian packages (root) or explains which ones to install (not root). */
export function ensureSystemPackages(names) {
  const missing = missingPackages(names);
  if (missing.length === 0) return;
  if (!isRoot) {
    throw new Error(`missing Debian packages: ${missing.join(" ")}\n  install them with: sudo apt-get install -y ${missing.join(" ")}`);
  }
  aptUpdate();
  log(`apt-get install ${missing.join(" ")} (a first install can take a few minutes; apt's progress follows)`);
  // apt's own lines (Get, Unpacking, Setting up) are the progress, on stderr beside ours.
  const result = spawnSync("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...missing], {
    stdio: ["ignore", 2, 2],
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  if (result.status !== 0) throw new Error(`apt-get install ${missing.join(" ")} failed (exit ${result.status}); its output is above`);
}

function hasSourceEntries(name) {
  const result = spawnSync("apt-cache", ["showsrc", name], { encoding: "utf8" });
  return result.status === 0 && /^Version: /m.test(result.stdout);
}

/** Adds deb-src entries for this Debian release when apt has none (root only). */
function ensureSourceEntries(name) {
  if (hasSourceEntries(name)) return;
  if (!isRoot) {
    throw new Error(`apt has no source entries for ${name}; add a deb-src line for your Debian release (see README.md)`);
  }
  const codename = /^VERSION_CODENAME=(.*)$/m.exec(readFileSync("/etc/os-release", "utf8"))?.[1] || "bookworm";
  const file = "/etc/apt/sources.list.d/petrichor-src.sources";
  log(`adding Debian source entries (${file})`);
  writeFileSync(
    file,
    `Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: ${codename} ${codename}-updates\nComponents: main\n` +
      `Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n` +
      `Types: deb-src\nURIs: http://deb.debian.org/debian-security\nSuites: ${codename}-security\nComponents: main\n` +
      `Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n`,
  );
  aptUpdated = false;
  aptUpdate();
  if (!hasSourceEntries(name)) throw new Error(`apt still finds no source package ${name}`);
}

/** The newest Debian version of a source package whose upstream version matches. */
function pickSourceVersion({ name, upstream }) {
  const versions = [...run("apt-cache", ["showsrc", name]).matchAll(/^Version: (.*)$/gm)].map((m) => m[1].trim());
  const matching = versions.filter((v) => v.replace(/^\d+:/, "").split("-")[0] === upstream);
  if (matching.length === 0) {
    throw new Error(`Debian offers ${name} ${versions.join(", ")}, not upstream ${upstream}`);
  }
  return matching.sort((a, b) => (spawnSync("dpkg", ["--compare-versions", a, "gt", b]).status === 0 ? -1 : 1))[0];
}

/** Fetches and unpacks (with Debian's patches) a source package once; returns its folder. */
export function ensureSourcePackage(dep) {
  const cached = readdirSync(join(CACHE, "src"), { withFileTypes: true }).find(
    (entry) => entry.isDirectory() && entry.name.startsWith(`${dep.name}_${dep.upstream}-`),
  );
  if (cached && existsSync(join(CACHE, "src", cached.name, "CMakeLists.txt"))) {
    return join(CACHE, "src", cached.name);
  }
  ensureSourceEntries(dep.name);
  const version = pickSourceVersion(dep);
  const target = join(CACHE, "src", `${dep.name}_${version}`);
  const work = mkdtempSync(join(CACHE, "src", ".fetch-"));
  try {
    log(`apt-get source ${dep.name}=${version}`);
    run("apt-get", ["source", "-qq", `${dep.name}=${version}`], { cwd: work });
    const unpacked = readdirSync(work, { withFileTypes: true }).find((e) => e.isDirectory());
    if (!unpacked) throw new Error(`apt-get source ${dep.name} unpacked nothing`);
    rmSync(target, { recursive: true, force: true });
    renameSync(join(work, unpacked.name), target);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return target;
}

/** Folders of every C dependency, keyed as in SOURCE_PACKAGES. */
export function ensureSourcePackages() {
  mkdirSync(join(CACHE, "src"), { recursive: true });
  return Object.fromEntries(Object.entries(SOURCE_PACKAGES).map(([key, dep]) => [key, ensureSourcePackage(dep)]));
}

/** Runs npm install when node_modules is missing or older than package.json. */
export function ensureNpmPackages() {
  const marker = join(ROOT, "node_modules", ".package-lock.json");
  const manifest = join(ROOT, "package.json");
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(manifest).mtimeMs) return;
  log("npm install");
  execFileSync("npm", ["install", "--no-audit", "--no-fund"], { cwd: ROOT, stdio: "inherit" });
}
