// A node --test reporter that writes a line per failed test, "<file>\t<signal>", the signal being
// the one that killed the file's process ("-" for a test that failed on its own), so that
// scripts/node-tests.mjs can tell a native crash from a failed test.
export default async function* failures(source) {
  for await (const event of source) {
    if (event.type !== "test:fail") continue;
    const signal = (event.data.nesting === 0 && event.data.details.error?.signal) || "-";
    yield `${event.data.file ?? "-"}\t${signal}\n`;
  }
}
