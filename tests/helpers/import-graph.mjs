// Walks the module graph of a package from one of its exports, as a bundler would resolve it under a
// set of export conditions: relative imports, and "#..." imports through the package's "imports"
// field. Static imports, re-exports and dynamic import("...") with a literal specifier all count.
// Anything else (a node: module, a package) is reported as an external import.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

/** The target of a package.json "exports"/"imports" entry under these conditions ("default" always matches). */
export function pickTarget(entry, conditions) {
  if (typeof entry === "string" || entry === null) return entry;
  if (Array.isArray(entry)) return entry.map((e) => pickTarget(e, conditions)).find((t) => t) ?? null;
  for (const [condition, value] of Object.entries(entry)) {
    if (condition === "default" || conditions.includes(condition)) {
      const target = pickTarget(value, conditions);
      if (target) return target;
    }
  }
  return null;
}

/** Every module specifier a JavaScript file imports (static, re-export or literal dynamic import). */
export function importsOf(file) {
  const info = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
  return info.importedFiles.map((f) => f.fileName);
}

/**
 * The graph from the package export `subpath` under `conditions`: {files: [paths relative to the
 * package], external: [{from, specifier}], missing: [{from, specifier}]}.
 */
export function walkPackage(packageDir, subpath, conditions) {
  const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"));
  const entry = pickTarget(manifest.exports?.[subpath], conditions);
  if (!entry) throw new Error(`package exports no ${subpath} under ${conditions.join(", ")}`);
  const seen = new Set();
  const external = [];
  const missing = [];
  const queue = [resolve(packageDir, entry)];
  while (queue.length > 0) {
    const file = queue.shift();
    if (seen.has(file)) continue;
    seen.add(file);
    const from = relative(packageDir, file);
    for (const specifier of importsOf(file)) {
      let target = null;
      if (specifier.startsWith("./") || specifier.startsWith("../")) {
        target = resolve(dirname(file), specifier);
      } else if (specifier.startsWith("#")) {
        const mapped = pickTarget(manifest.imports?.[specifier], conditions);
        target = mapped && resolve(packageDir, mapped);
      } else {
        external.push({ from, specifier });
        continue;
      }
      if (target && existsSync(target)) queue.push(target);
      else missing.push({ from, specifier });
    }
  }
  return { files: [...seen].map((f) => relative(packageDir, f)).sort(), external, missing };
}
