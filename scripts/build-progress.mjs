// A filter for `cmake ... | node scripts/build-progress.mjs NAME [configure]`. While cmake configures or
// builds, it reports progress on stderr, at most every 10% of a build ("[petrichor] building NAME: 40%")
// or every 5 checks of a configure ("[petrichor] configuring NAME: 20 checks, 31 s"), or on one
// updating line on a terminal; at the end it passes everything it read to stdout, so that the caller
// can show the whole output when the step fails. An up-to-date build reports nothing.
import { createInterface } from "node:readline";

const name = process.argv[2] ?? "core";
const configuring = process.argv[3] === "configure";
const verb = configuring ? "configuring" : "building";
const lines = [];
let shown = -1;
let working = false;
const tty = process.stderr.isTTY;
const started = Date.now();

const every = configuring ? 5 : 10; // configure: a few dozen slow checks; build: percent

function report(text, step) {
  if (!working) {
    working = true;
    if (!tty) process.stderr.write(`[petrichor] ${verb} ${name}…\n`);
  }
  if (tty) process.stderr.write(`\r[petrichor] ${verb} ${name}: ${text}  `);
  else if (Math.floor(step / every) > Math.floor(shown / every)) process.stderr.write(`[petrichor] ${verb} ${name}: ${text}\n`);
  shown = step;
}

let checks = 0;
for await (const line of createInterface({ input: process.stdin, crlfDelay: Infinity })) {
  lines.push(line);
  if (configuring) {
    // CMake's checks (-- Looking for …, -- Performing Test …, -- Check …), each a compile; the slow part.
    if (!/^-- (Looking for|Performing Test|Check|Detecting)/.test(line) || /- (found|not found|done|skipped|Success|Failed|works|yes|no)$/i.test(line)) continue;
    checks++;
    report(`${checks} check${checks === 1 ? "" : "s"}, ${Math.round((Date.now() - started) / 1000)} s`, checks);
    continue;
  }
  const match = /^\[\s*(\d+)%\]\s+(Building|Linking)/.exec(line);
  if (match) report(`${match[1]}%`, Number(match[1]));
}
if (working) process.stderr.write(tty ? `\r[petrichor] ${verb} ${name}: done  \n` : `[petrichor] ${verb} ${name}: done\n`);
process.stdout.write(lines.length ? `${lines.join("\n")}\n` : "");
