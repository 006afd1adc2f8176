// A small @rainway/web 0.5 React app, written as a migrating user's app would be: it imports the
// packages by their original names and uses nothing a bundler needs configuring for (no JSX).
// With ?gateway=…&key=…&host=… it connects to the host peer and shows its stream in <Rainway>
// (with &manual, only when the test calls window.app.connect()). window.app lets the tests drive
// it: another stream, no stream.
import rainway, { InputLevel } from "@rainway/web";
import { Rainway } from "@rainway/react";
import { createElement as h, useEffect, useState } from "react";

const params = new URLSearchParams(location.search);
window.appErrors = [];
window.streams = [];
rainway.addEventListener("log", (level, target, message) => level <= 1 && window.appErrors.push(`${target}: ${message}`));

export function App() {
  const [stream, setStream] = useState(null);
  const [status, setStatus] = useState("Not connected");
  useEffect(() => {
    let peer = null;
    const show = async () => {
      const next = await peer.createStream({ permissions: InputLevel.All });
      window.streams.push(next);
      window.stream = next;
      setStream(next);
      setStatus("Streaming");
      return next.id;
    };
    const connect = async () => {
      setStatus("Connecting…");
      try {
        const connection = await rainway.connect({ apiKey: params.get("key"), gatewayUrl: params.get("gateway") });
        peer = await connection.connect(BigInt(params.get("host")));
        return await show();
      } catch (error) {
        window.appErrors.push(String(error));
        setStatus(`Failed: ${error.message}`);
        throw error;
      }
    };
    window.app = { connect, show, clear: () => setStream(null) };
    if (params.has("host") && !params.has("manual")) connect().catch(() => {});
  }, []);
  return h(
    "main",
    null,
    h("h1", null, "Rainway React app"),
    h("p", { id: "status" }, status),
    h(
      "div",
      { id: "player", style: { width: "320px", height: "240px" } },
      h(Rainway, { stream, style: { background: "rgb(17, 17, 17)" } }, h("p", { id: "fallback" }, "No stream yet")),
    ),
  );
}
