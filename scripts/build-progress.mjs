// A filter for `cmake --build ... | node scripts/build-progress.mjs NAME`: while the build compiles or links,
// it reports progress on stderr ("[petrichor] building NAME: 40%", at most once per 10%, or on one
// updating line on a terminal), and passes everything it read to stdout at the end, so that the
// caller can show the whole output when the build fails. An up-to-date build reports nothing.
import { createInterface } from "node:readline";

const name = process.argv[2] ?? "core";
const lines = [];
let shown = -1;
let working = false;
const tty = process.stderr.isTTY;

for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  lines.push(line);
  const match = /^\[\s*(\d+)%\]\s+(Building|Linking)/.exec(line);
  if (!match) continue;
  const percent = Number(match[1]);
  if (!working) {
    working = true;
    process.stderr.write(`[petrichor] building ${name}…${tty ? "" : "\n"}`);
  }
  if (tty) {
    process.stderr.write(`\r[petrichor] building ${name}: ${percent}%  `);
  } else if (Math.floor(percent / 10) > Math.floor(shown / 10)) {
    process.stderr.write(`[petrichor] building ${name}: ${percent}%\n`);
  }
  shown = percent;
}
if (working) process.stderr.write(tty ? `\r[petrichor] building ${name}: done  \n` : `[petrichor] building ${name}: done\n`);
process.stdout.write(lines.length ? `${lines.join("\n")}\n` : "");
