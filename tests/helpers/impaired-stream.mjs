// A stream across an impaired link (tests/helpers/impaired-link.mjs): the host and the client of
// tests/helpers/impaired-stream-peer.mjs, each a Node process in its own namespace. Used by the
// impaired-link tests and by `npm run bench`.
import { createInterface } from "node:readline";
import { ROOT } from "./paths.mjs";

const PEER = `${ROOT}/tests/helpers/impaired-stream-peer.mjs`;

/** Lines of JSON from a child's stdout, to a callback; resolves when the child exits. */
function readLines(child, onLine) {
  let errors = "";
  child.stderr.on("data", (data) => (errors += data));
  createInterface({ input: child.stdout }).on("line", (line) => {
    try {
      onLine(JSON.parse(line));
    } catch {
      // not ours (a log line)
    }
  });
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, errors })));
}

/**
 * Streams synthetic video from a host in namespace A to a client in B for `seconds`; onLine gets each
 * line the client reports (frames, samples of its counters), onHostLine the host's (samples of its
 * rate controller); follow: whether the host's encoder follows bitrate requests. Resolves with the
 * client's summary.
 */
export async function streamAcross(link, { bitrate = 600_000, seconds = 30, follow = true, onLine = () => {}, onHostLine = () => {} } = {}) {
  const host = link.spawnIn(link.nsA, process.execPath, [PEER, "host", String(bitrate), follow ? "1" : "0"]);
  const ready = await new Promise((resolve, reject) => {
    readLines(host, (line) => (line.ready ? resolve(line) : onHostLine(line))).then(({ code, errors }) =>
      reject(new Error(`host exited (${code}): ${errors}`)),
    );
  });
  const url = new URL(ready.url);
  url.hostname = link.addressA; // the gateway listens on every address of the host's namespace
  const client = link.spawnIn(link.nsB, process.execPath, [PEER, "client", url.href, ready.id, String(seconds)]);
  let summary = null;
  const { code, errors } = await readLines(client, (line) => {
    if (line.summary) summary = line.summary;
    else onLine(line);
  });
  host.kill();
  if (!summary) throw new Error(`the client did not report (exit ${code}): ${errors}`);
  return summary;
}
