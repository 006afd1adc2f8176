// What must NOT compile against index.d.ts: every line after a `@ts-expect-error` is an error, or tsc
// fails the build with "Unused '@ts-expect-error' directive" (tests/node/types.test.mjs).
import rainway, { DataChannelMode, InputLevel, LogLevel, PeerState, type Peer } from "petrichor";

async function misuse(peer: Peer): Promise<void> {
  // Misspelled event names, on each emitter.
  // @ts-expect-error "logs" is not an event of rainway
  rainway.addEventListener("logs", () => {});
  const connection = await rainway.connect({ apiKey: "key" });
  // @ts-expect-error mediaWorker is a boolean, not "auto"
  await rainway.connect({ apiKey: "key", mediaWorker: "auto" });
  // @ts-expect-error playout is "instant" or "smooth"
  await peer.createStream({ permissions: InputLevel.All, playout: "buffered" });
  // @ts-expect-error "peer_request" is not an event of RainwayConnection
  connection.addEventListener("peer_request", () => {});
  // @ts-expect-error "closed" is not an event of RainwayConnection
  connection.removeEventListener("closed");
  // @ts-expect-error "connectionstatechange" is not an event of Peer
  peer.addEventListener("connectionstatechange", () => {});
  // @ts-expect-error "dataChannel" is not an event of Peer
  peer.addEventListener("dataChannel", () => {});
  const channel = await peer.createDataChannel({ id: "chat", mode: DataChannelMode.Reliable });
  // @ts-expect-error "messages" is not an event of DataChannel
  channel.addEventListener("messages", () => {});
  const stream = await peer.createStream({ permissions: InputLevel.All });
  // @ts-expect-error "beforeinput" (the 0.5 docs' typo) is not an event of InboundStream
  stream.addEventListener("beforeinput", () => {});
  // @ts-expect-error emit checks the name too
  stream.emit("frames");

  // Handlers of the wrong shape.
  // @ts-expect-error log's level is a LogLevel (number), not a string
  rainway.addEventListener("log", (level: string) => console.log(level));
  // @ts-expect-error log has three arguments; a fourth cannot be required
  rainway.addEventListener("log", (level: LogLevel, target: string, message: string, extra: number) => console.log(level, target, message, extra));
  // @ts-expect-error connection-state-change passes a PeerState, not a Peer
  peer.addEventListener("connection-state-change", (state: Peer) => console.log(state));
  // @ts-expect-error a "message" event is an object with data, not bytes (that was 0.4)
  channel.addEventListener("message", (data: Uint8Array) => console.log(data.length));
  // @ts-expect-error "close" of a Peer has no arguments
  peer.addEventListener("close", (reason: string) => console.log(reason));
  // @ts-expect-error emit's arguments follow the event's handler
  peer.emit("connection-state-change", "Connected");
  peer.emit("connection-state-change", PeerState.Connected);

  // Options and values.
  // @ts-expect-error logLevel is a LogLevel
  rainway.logLevel = "debug";
  // @ts-expect-error the container is an element, never undefined in the types
  const container: undefined = stream.container;
  console.log(container);
}

void misuse;
