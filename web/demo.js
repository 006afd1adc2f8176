// The demo page: connects to the gateway of `npm start`, shows this browser's peer id, connects to a
// peer id typed in, answers incoming requests, and shows peers, their states and every error plainly.
import rainway, { DataChannelMode, InputLevel, PeerState, version } from "/js/index.js";

const $ = (id) => document.getElementById(id);
const requests = new Map(); // peer id (string) -> request
let connection = null;

function note(text, kind = "info") {
  const item = document.createElement("li");
  item.className = kind;
  item.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  $("messages").prepend(item);
}

function renderList(list, entries, render) {
  list.replaceChildren();
  if (entries.length === 0) {
    const empty = document.createElement("li");
    empty.className = "empty";
    empty.textContent = "none";
    list.append(empty);
  }
  for (const entry of entries) list.append(render(entry));
}

function button(label, onClick) {
  const element = document.createElement("button");
  element.textContent = label;
  element.className = `${label.toLowerCase()}-button`;
  element.addEventListener("click", onClick);
  return element;
}

function renderRequests() {
  renderList($("requests"), [...requests.values()], (request) => {
    const item = document.createElement("li");
    item.dataset.peerId = String(request.id);
    item.append(`${request.id} (${request.externalId || "no external id"}) `);
    item.append(button("Accept", () => accept(request)), " ", button("Reject", () => reject(request)));
    return item;
  });
}

function renderPeers() {
  renderList($("peers"), connection ? connection.peers : [], (peer) => {
    const item = document.createElement("li");
    item.dataset.peerId = String(peer.id);
    item.dataset.state = PeerState[peer.state];
    item.append(`${peer.id} (${peer.externalId || "no external id"}) — `);
    const state = document.createElement("strong");
    state.className = "peer-state";
    state.textContent = PeerState[peer.state];
    item.append(state, " ", button("Stream", () => watch(peer)), " ", button("Disconnect", () => peer.close()));
    return item;
  });
}

let chat = null; // the DataChannel of the current chat
let stream = null; // the InboundStream being shown

/** Asks a peer for its stream and shows it. */
async function watch(peer) {
  stream?.close();
  $("stream-status").textContent = `Asking ${peer.id} for a stream…`;
  try {
    stream = await peer.createStream({ permissions: InputLevel.All, metrics: true });
    $("stream-view").replaceChildren(stream.container);
    $("stream-status").textContent = `Watching stream ${stream.id} of ${peer.id}.`;
    $("fullscreen").disabled = false;
    if ($("stats-overlay").checked) stream.enableVideoStatsOverlay();
    stream.resumeAudio();
    const current = stream;
    stream.addEventListener("close", () => {
      if (stream !== current) return;
      $("stream-status").textContent = "The stream ended.";
      $("fullscreen").disabled = true;
    });
  } catch (error) {
    $("stream-status").textContent = error.message;
    note(error.message, "error");
  }
}

$("stats-overlay").addEventListener("change", () => {
  if ($("stats-overlay").checked) stream?.enableVideoStatsOverlay();
  else stream?.disableVideoStatsOverlay();
});
$("fullscreen").addEventListener("click", () => stream?.requestFullscreen().catch((error) => note(error.message, "error")));

function chatLine(who, text) {
  const item = document.createElement("li");
  item.textContent = `${who}: ${text}`;
  $("chat-log").append(item);
}

function attachChat(channel) {
  chat = channel;
  $("chat-status").textContent = `Chatting with ${channel.peer.id}.`;
  $("chat-input").disabled = false;
  $("chat-send").disabled = false;
  channel.addEventListener("message", ({ data }) => chatLine(String(channel.peer.id), new TextDecoder().decode(data)));
  channel.addEventListener("close", () => {
    if (chat !== channel) return;
    chat = null;
    $("chat-status").textContent = "The chat closed.";
    $("chat-input").disabled = true;
    $("chat-send").disabled = true;
  });
}

$("chat-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const text = $("chat-input").value;
  if (!chat || text === "") return;
  try {
    chat.send(text);
    chatLine("me", text);
    $("chat-input").value = "";
  } catch (error) {
    note(error.message, "error");
  }
});

/** The side that asked for the connection opens the chat channel; the other side is told of it. */
async function startChat(peer, requester) {
  if (!requester) {
    peer.addEventListener("datachannel", (channel) => channel.id === "chat" && attachChat(channel));
    return;
  }
  try {
    attachChat(await peer.createDataChannel({ id: "chat", mode: DataChannelMode.Reliable }));
  } catch (error) {
    note(error.message, "error");
  }
}

function watchPeer(peer) {
  peer.addEventListener("connection-state-change", (state) => {
    note(`peer ${peer.id} is ${PeerState[state]}`);
    renderPeers();
  });
  peer.addEventListener("close", () => {
    note(`peer ${peer.id} closed`);
    renderPeers();
  });
  renderPeers();
}

async function accept(request) {
  requests.delete(String(request.id));
  renderRequests();
  try {
    const peer = await request.accept();
    note(`connected to ${peer.id}`, "ok");
    watchPeer(peer);
    startChat(peer, false);
  } catch (error) {
    note(error.message, "error");
  }
}

function reject(request) {
  requests.delete(String(request.id));
  renderRequests();
  try {
    request.reject("The user declined.");
  } catch (error) {
    note(error.message, "error");
  }
}

$("version").textContent = version;
rainway.addEventListener("log", (level, target, message) => {
  if (level <= 2) note(`${target}: ${message}`, level <= 1 ? "error" : "info");
});

$("connect-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("peer-id").value.trim();
  if (!connection) return note("Not connected to the gateway.", "error");
  let id;
  try {
    id = BigInt(text);
  } catch {
    return note(`"${text}" is not a peer id.`, "error");
  }
  note(`connecting to ${id}…`);
  try {
    const peer = await connection.connect(id);
    note(`connected to ${peer.id}`, "ok");
    watchPeer(peer);
    startChat(peer, true);
  } catch (error) {
    note(error.message, "error");
  }
});

$("cancel-button").addEventListener("click", () => {
  try {
    connection?.cancelConnectionAttempt(BigInt($("peer-id").value.trim()));
  } catch (error) {
    note(error.message, "error");
  }
});

try {
  const { apiKey, hostId } = await (await fetch("/demo-config.json")).json();
  if (hostId) {
    $("demo-host-id").textContent = hostId;
    $("demo-host-line").hidden = false;
    $("watch-demo").addEventListener("click", async () => {
      const known = connection?.peers.find((peer) => String(peer.id) === hostId);
      try {
        const peer = known ?? (await connection.connect(BigInt(hostId)));
        if (!known) watchPeer(peer);
        watch(peer);
      } catch (error) {
        note(error.message, "error");
      }
    });
  }
  connection = await rainway.connect({ apiKey, externalId: `browser ${navigator.userAgent.match(/Chrom\w+\/\d+/)?.[0] ?? ""}` });
  $("gateway-status").textContent = "connected";
  $("gateway-status").className = "ok";
  $("own-id").textContent = String(connection.id);
  connection.addEventListener("peer-request", (request) => {
    note(`request from ${request.id}`);
    if ($("auto-accept").checked) {
      accept(request);
    } else {
      requests.set(String(request.id), request);
      renderRequests();
    }
  });
  connection.addEventListener("close", (error) => {
    $("gateway-status").textContent = error.message;
    $("gateway-status").className = "failed";
    note(error.message, "error");
  });
} catch (error) {
  $("gateway-status").textContent = error.message;
  $("gateway-status").className = "failed";
  note(error.message, "error");
}
