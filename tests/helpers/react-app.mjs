// The React app of tests/browser/apps/rainway-react as a migrating user builds it: Petrichor's
// tarball installed as @rainway/web, petrichor-react's as @rainway/react, React from the registry,
// built by a bundler from the registry with no configuration. Installs and builds are cached by
// content (tests/helpers/packages.mjs), so a second run with the same sources builds nothing.
import { cpSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startStaticServer } from "../../js/server/static.js";
import { cachedBuild, hash, hashTree, install, pack, run } from "./packages.mjs";
import { ROOT } from "./paths.mjs";

export const APP_SOURCES = join(ROOT, "tests/browser/apps/rainway-react");

/** Bundlers, each with the packages it installs and the command that builds the app into dist/. */
export const BUNDLERS = {
  "webpack 5.38": {
    packages: ["webpack@5.38.1", "webpack-cli@4.10.0"],
    // Webpack before 5.54 hashes with MD4, which Node 17+ (OpenSSL 3) only has in the legacy provider.
    env: { NODE_OPTIONS: "--openssl-legacy-provider" },
    command: (tool, entry) => [process.execPath, `${tool}/node_modules/webpack-cli/bin/cli.js`, "--mode", "production", "--entry", entry],
    page: "bundle.html",
  },
  "webpack 5 (current)": {
    packages: ["webpack@5.113.0", "webpack-cli@7.3.1"],
    command: (tool, entry) => [process.execPath, `${tool}/node_modules/webpack-cli/bin/cli.js`, "--mode", "production", "--entry", entry],
    page: "bundle.html",
  },
  vite: {
    packages: ["vite@8.4.0"],
    command: (tool) => [process.execPath, `${tool}/node_modules/vite/bin/vite.js`, "build"], // entry: index.html
    page: null,
  },
  esbuild: {
    packages: ["esbuild@0.28.2"],
    command: (tool, entry) => [`${tool}/node_modules/.bin/esbuild`, entry, "--bundle", "--outfile=dist/main.js"],
    page: "bundle.html",
  },
};

/** Packs both packages and installs the app's dependencies with this React major version; returns the app folder. */
export function installReactApp(reactMajor) {
  const web = pack(ROOT);
  const react = pack(join(ROOT, "packages/react"));
  return install(`app-react${reactMajor}`, [
    `@rainway/web@file:${web}`,
    `@rainway/react@file:${react}`,
    `react@${reactMajor}`,
    `react-dom@${reactMajor}`,
  ]);
}

/** The bundler's output (warnings included), kept beside the built app. */
export const BUILD_LOG = "build.log";

/**
 * Builds the app installed in `appDir` with a bundler of BUNDLERS; returns {dir, cached}: the folder
 * to serve (index.html and what it loads, and BUILD_LOG).
 */
export function buildApp(bundler, appDir, { entry = "./src/index.js" } = {}) {
  const spec = BUNDLERS[bundler];
  const tool = install(`tool-${bundler.replace(/\W+/g, "-")}`, spec.packages);
  const recipe = [spec.command.toString(), JSON.stringify(spec.env ?? {}), spec.page, BUILD_LOG].join("\n");
  const key = hash(bundler, recipe, appDir, tool, entry, hashTree(APP_SOURCES));
  return cachedBuild(`site-${bundler.replace(/\W+/g, "-")}`, key, (out) => {
    // The sources go into the app's folder, beside its node_modules, as in a user's project.
    const work = join(appDir, `.build-${process.pid}`);
    rmSync(work, { recursive: true, force: true });
    cpSync(APP_SOURCES, work, { recursive: true });
    try {
      const [command, ...args] = spec.command(tool, entry);
      const output = run(command, args, { cwd: work, env: spec.env, all: true });
      writeFileSync(join(out, BUILD_LOG), output);
      cpSync(join(work, "dist"), out, { recursive: true });
      if (spec.page) cpSync(join(work, spec.page), join(out, "index.html"));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
}

/**
 * The warnings in a bundler's output that concern Petrichor's packages: blocks of lines (split at
 * blank lines) that warn (webpack's "WARNING in", esbuild's "▲ [WARNING]", Vite's "(!)") and name them.
 */
export function warningsAboutPackages(log) {
  return log
    .split(/\n\s*\n/)
    .filter((block) => /warn|▲|\(!\)/i.test(block) && /@rainway\/|petrichor/i.test(block))
    // webpack's size hints (over 244 KiB, the core included) name our modules among the largest: they are
    // about the app's size, which BENCHMARKS.md measures, not about building with our packages
    .filter((block) => !/(asset|entrypoint) size limit/i.test(block));
}

/** Serves a built app on loopback (its own origin, as apps are deployed); resolves to {url, close()}. */
export function serveApp(dir) {
  return startStaticServer({ mounts: { "/": dir } });
}
