// Joins the media worker (js/platform/media-worker.js) and the modules it imports into one classic
// worker script, so that a bundled app runs it from a Blob URL (js/core/bundled-core.js) and its
// bundler never has to know of a worker. The modules keep to what this reads: named imports of
// relative modules (`import { a, b as c } from "./x.js"`) and exports on declarations
// (`export const|let|function|async function|class name`); anything else is an error here. The script
// is minified (esbuild, a build-time dependency from npm): every bundled app downloads it as a string,
// which the app's own bundler copies as it is.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, relative, resolve } from "node:path";
import { Script } from "node:vm";

const IMPORT = /^import \{([^}]*)\} from "(\.{1,2}\/[^"]+)";[ \t]*\n/gm;
const EXPORT = /^export (const|let|function\*?|async function|class) ([\w$]+)/gm;

/** The worker's source, one script: each module in a function of its own, dependencies first. */
export function bundleWorker(entry) {
  const order = [];
  const seen = new Map(); // path -> its variable
  const visit = (file, chain) => {
    if (chain.includes(file)) throw new Error(`the worker's modules import in a circle: ${[...chain, file].join(" → ")}`);
    if (seen.has(file)) return;
    const source = readFileSync(file, "utf8");
    const body = source.replace(IMPORT, (_, names, specifier) => {
      const target = resolve(dirname(file), specifier);
      visit(target, [...chain, file]);
      const bindings = names.split(",").map((name) => name.trim()).filter(Boolean).map((name) => name.replace(/\s+as\s+/, ": "));
      return `const { ${bindings.join(", ")} } = ${seen.get(target)};\n`;
    });
    const exported = [];
    const code = body.replace(EXPORT, (_, kind, name) => {
      exported.push(name);
      return `${kind} ${name}`;
    });
    const leftover = /^(import|export)\b.*$/m.exec(code);
    if (leftover) throw new Error(`${file}: the worker bundle cannot take "${leftover[0]}"`);
    seen.set(file, `module${seen.size}`);
    order.push(`// ${relative(dirname(entry), file)}\nconst ${seen.get(file)} = (() => {\n${code}\nreturn { ${exported.join(", ")} };\n})();`);
  };
  visit(resolve(entry), []);
  const joined = `"use strict";\n(() => {\n${order.join("\n")}\n})();\n`;
  new Script(joined, { filename: "petrichor-media-worker.js" }); // throws if the joining broke the syntax
  const { transformSync } = createRequire(import.meta.url)("esbuild"); // loaded here: npm installs it first (build.mjs)
  return transformSync(joined, { minify: true, target: "es2022", legalComments: "none" }).code;
}
