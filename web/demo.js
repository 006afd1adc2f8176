// The demo page of `npm start`: connects to the gateway on this origin, shows this browser's peer id,
// connects to a peer id typed in, answers incoming requests, chats over a data channel, watches a
// peer's stream ("Stream": createStream) or joins one a peer offers ("stream-announcement": join()),
// and answers a peer's "Stream" by sharing an animated canvas, the screen or the camera (sendTrack).
// Every failure is said in plain words next to what caused it; the activity log keeps them all.
import rainway, { DataChannelMode, InputLevel, PeerState, version } from "/js/index.js";

const $ = (id) => document.getElementById(id);
const requests = new Map(); // peer id (string) -> request
const peerErrors = new Map(); // peer id (string) -> text shown in the peer's row
const offers = new Map(); // "peer id/stream id" -> {peer, announcement}
const closedByMe = new WeakSet(); // peers this page hung up on
let connection = null;
let demoHostId = null;

// ---- words ---------------------------------------------------------------------------------------

const CORE_ERRORS = {
  PT_ERR_BAD_VALUE: "a value was not accepted",
  PT_ERR_INVALID_ARGUMENT: "a value was not accepted",
  PT_ERR_CLOSED: "it is closed",
  PT_ERR_STALE_HANDLE: "it is closed",
  PT_ERR_INVALID_HANDLE: "it is closed",
  PT_ERR_STATE: "it is not ready for that yet",
  PT_ERR_TIMEOUT: "it took too long",
  PT_ERR_FULL: "too many are open",
  PT_ERR_QUEUE_FULL: "the link is too busy",
  PT_ERR_TOO_LARGE: "it is too large",
  PT_ERR_EXISTS: "it already exists",
  PT_ERR_REJECTED: "the other side said no",
  PT_ERR_UNREACHABLE: "the other side cannot be reached",
  PT_ERR_CANCELLED: "it was cancelled",
  PT_ERR_UNSUPPORTED_VERSION: "the other side runs an incompatible version",
  PT_ERR_NO_MEMORY: "the page ran out of memory",
};

/** An error's message for people: no "Rainway SDK Error:" prefix, no core error names, no Rainway server. */
function plain(error) {
  let text = String(error?.message ?? error).replace(/^Rainway SDK Error:\s*/, "");
  if (/^The target peer is not connected/.test(text)) return "Nobody is online with that peer id. Check the id, and that the other page is open.";
  if (/^The Rainway API key is invalid/.test(text)) return "The gateway did not accept this page's API key.";
  if (/^Could not connect to the Rainway API/.test(text)) return "The gateway cannot be reached. Is npm start still running?";
  const rejected = /^The peer at \S+ rejected the connection, with reason: (.*)$/.exec(text);
  if (rejected) return `They declined: ${rejected[1]}`;
  if (/^Already connected to/.test(text)) return "You are already connected to that peer.";
  if (/^The connection attempt was canceled/.test(text)) return "You cancelled the connection.";
  text = text.replace(/\bthe Rainway server\b/g, "the gateway").replace(/\bRainway\b/g, "the gateway");
  text = text.replace(/PT_ERR_[A-Z_]+/g, (name) => CORE_ERRORS[name] ?? "something went wrong");
  if (error?.name === "NotAllowedError") return "Permission was not given.";
  if (error?.name === "NotFoundError") return "No such device was found.";
  return text;
}

function show(element, text) {
  element.textContent = text ?? "";
  element.hidden = !text;
}

function note(text, kind = "info") {
  const item = document.createElement("li");
  item.className = kind;
  item.textContent = `${new Date().toLocaleTimeString()} ${text}`;
  $("messages").prepend(item);
  while ($("messages").children.length > 200) $("messages").lastChild.remove();
}

function button(label, onClick, className = "") {
  const element = document.createElement("button");
  element.type = "button";
  element.textContent = label;
  element.className = `${label.toLowerCase().replace(/\W+/g, "-")}-button small ${className}`.trim();
  element.addEventListener("click", onClick);
  return element;
}

function emptyItem(text) {
  const item = document.createElement("li");
  item.className = "empty";
  item.textContent = text;
  return item;
}

/** "demo host", "Chromium/120 tab", or the external id as given. */
function nameOf(peer) {
  if (String(peer.id) === demoHostId || peer.externalId === "demo-host") return "the demo host";
  return peer.externalId || "a peer";
}

function who(peer) {
  const element = document.createElement("span");
  element.className = "who";
  const id = document.createElement("code");
  id.textContent = String(peer.id);
  const name = document.createElement("small");
  name.textContent = nameOf(peer);
  element.append(id, name);
  return element;
}

// ---- requests and peers ----------------------------------------------------------------------------

function renderRequests() {
  $("requests").replaceChildren(
    ...[...requests.values()].map((request) => {
      const item = document.createElement("li");
      item.dataset.peerId = String(request.id);
      const text = who(request);
      text.prepend("Wants to connect: ");
      item.append(text);
      const actions = document.createElement("span");
      actions.className = "actions";
      actions.append(button("Accept", () => accept(request)), button("Reject", () => reject(request), "danger"));
      item.append(actions);
      return item;
    }),
  );
}

const STATE_WORDS = { New: "new", Connecting: "connecting…", Connected: "connected", Disconnected: "interrupted", Failed: "lost" };

function renderPeers() {
  const peers = connection ? connection.peers : [];
  if (peers.length === 0) return $("peers").replaceChildren(emptyItem("No peers yet."));
  $("peers").replaceChildren(
    ...peers.map((peer) => {
      const item = document.createElement("li");
      item.dataset.peerId = String(peer.id);
      item.dataset.state = PeerState[peer.state];
      const state = document.createElement("span");
      state.className = "peer-state";
      state.textContent = STATE_WORDS[PeerState[peer.state]] ?? PeerState[peer.state];
      const actions = document.createElement("span");
      actions.className = "actions";
      actions.append(
        button("Stream", () => watch(peer)),
        button("Disconnect", () => {
          closedByMe.add(peer);
          peer.close();
        }, "secondary"),
      );
      item.append(who(peer), state, actions);
      const error = peerErrors.get(String(peer.id));
      if (error) {
        const line = document.createElement("p");
        line.className = "error peer-error";
        line.setAttribute("role", "alert");
        line.textContent = error;
        item.append(line);
      }
      return item;
    }),
  );
}

function setPeerError(peer, text) {
  if (text) peerErrors.set(String(peer.id), text);
  else peerErrors.delete(String(peer.id));
  renderPeers();
}

// ---- watching --------------------------------------------------------------------------------------

let stream = null; // the InboundStream being shown

function showStream(inbound, peer, how) {
  stream = inbound;
  $("stream-view").replaceChildren(inbound.container);
  $("stream-status").textContent = `${how} ${nameOf(peer)} (${peer.id}). Click the picture to control it.`;
  $("fullscreen").disabled = false;
  $("stop-watching").disabled = false;
  if ($("stats-overlay").checked) inbound.enableVideoStatsOverlay();
  inbound.resumeAudio();
  inbound.addEventListener("close", (error) => {
    if (stream !== inbound) return;
    stream = null;
    $("stream-view").replaceChildren();
    $("stream-status").textContent = error ? `The stream ended: ${plain(error)}` : "The stream ended.";
    $("fullscreen").disabled = true;
    $("stop-watching").disabled = true;
  });
}

function stopWatching() {
  const current = stream;
  stream = null;
  current?.close();
  $("stream-view").replaceChildren();
  $("fullscreen").disabled = true;
  $("stop-watching").disabled = true;
}

/** Asks a peer for its stream and shows it; a failure is said in the peer's row and above the view. */
async function watch(peer) {
  stopWatching();
  setPeerError(peer, null);
  show($("stream-error"), null);
  $("stream-status").textContent = `Asking ${nameOf(peer)} (${peer.id}) for a stream…`;
  try {
    showStream(await peer.createStream({ permissions: InputLevel.All, metrics: true }), peer, "Watching");
  } catch (error) {
    const text = `Could not watch: ${plain(error)}`;
    $("stream-status").textContent = "";
    show($("stream-error"), text);
    setPeerError(peer, text);
    note(`${peer.id}: ${text}`, "error");
  }
}

function renderOffers() {
  $("announcements").replaceChildren(
    ...[...offers.entries()].map(([key, { peer, announcement }]) => {
      const item = document.createElement("li");
      item.dataset.offer = key;
      const { info } = announcement;
      const size = info.video ? `${info.video.width}×${info.video.height}` : "sound only";
      item.append(`${nameOf(peer)} (${peer.id}) offers stream ${info.streamId} (${size}). `);
      item.append(button("Join", () => join(key)));
      return item;
    }),
  );
}

async function join(key) {
  const offer = offers.get(key);
  if (!offer) return;
  offers.delete(key);
  renderOffers();
  stopWatching();
  show($("stream-error"), null);
  try {
    showStream(await offer.announcement.join({ metrics: true }), offer.peer, `Joined stream ${offer.announcement.info.streamId} of`);
  } catch (error) {
    const text = `Could not join the stream: ${plain(error)}`;
    show($("stream-error"), text);
    note(text, "error");
  }
}

$("stats-overlay").addEventListener("change", () => {
  if ($("stats-overlay").checked) stream?.enableVideoStatsOverlay();
  else stream?.disableVideoStatsOverlay();
});
$("fullscreen").addEventListener("click", () =>
  stream?.requestFullscreen().catch((error) => show($("stream-error"), `Fullscreen is not available: ${plain(error)}`)),
);
$("stop-watching").addEventListener("click", () => {
  stopWatching();
  $("stream-status").textContent = "You stopped watching.";
});

// ---- sharing ---------------------------------------------------------------------------------------

const canvas = $("share-canvas-view");
const context = canvas.getContext("2d");
let frame = 0;
/** The animated picture: a fixed blue corner (tests look for it), moving bars, a clock and this peer's id. */
function drawPicture() {
  const { width, height } = canvas;
  const hue = (frame * 2) % 360;
  const gradient = context.createLinearGradient(0, 0, width, height);
  gradient.addColorStop(0, `hsl(${hue} 70% 45%)`);
  gradient.addColorStop(1, `hsl(${(hue + 120) % 360} 70% 35%)`);
  context.fillStyle = gradient;
  context.fillRect(0, 0, width, height);
  context.fillStyle = "rgb(32, 80, 224)";
  context.fillRect(0, 0, width / 4, height / 4);
  const x = ((frame * 6) % (width + 80)) - 80;
  context.fillStyle = "rgba(255, 255, 255, 0.85)";
  context.fillRect(x, height * 0.62, 80, height * 0.2);
  context.fillStyle = "#fff";
  context.font = "bold 44px system-ui, sans-serif";
  context.fillText(new Date().toLocaleTimeString(), width * 0.3, height * 0.45);
  context.font = "22px system-ui, sans-serif";
  context.fillText(`Petrichor · ${connection ? connection.id : "…"}`, width * 0.3, height * 0.55);
  frame++;
}
drawPicture();
setInterval(drawPicture, 1000 / 30); // not requestAnimationFrame: a hidden tab still streams

let sharedTrack = null; // the screen's or camera's video track, once the user chose one
const watchers = new Set(); // OutboundStreams of this tab

function shareSource() {
  return document.querySelector('input[name="share-source"]:checked').value;
}

/** The user picked what to share (a click: browsers ask for the screen or camera only then). */
async function chooseSource() {
  show($("share-error"), null);
  const source = shareSource();
  const previous = sharedTrack;
  sharedTrack = null;
  previous?.stop();
  $("share-video").hidden = true;
  $("share-canvas-view").hidden = false;
  if (source === "canvas") return;
  try {
    const media =
      source === "screen"
        ? await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: 30 }, audio: false })
        : await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 }, audio: false });
    sharedTrack = media.getVideoTracks()[0];
    $("share-video").srcObject = new MediaStream([sharedTrack]);
    $("share-video").hidden = false;
    $("share-canvas-view").hidden = true;
    $("share-video").play().catch(() => {});
    sharedTrack.addEventListener("ended", () => {
      if (sharedTrack !== null && sharedTrack.readyState === "ended") {
        $("share-canvas").checked = true;
        chooseSource();
        show($("share-error"), `Your ${source} is no longer shared; peers who press Stream now get the animated picture.`);
      }
    });
  } catch (error) {
    $("share-canvas").checked = true;
    $("share-video").hidden = true;
    $("share-canvas-view").hidden = false;
    const what = source === "screen" ? "your screen" : "your camera";
    const reason = !navigator.mediaDevices
      ? "this page is not in a secure context (open it over https, or on localhost)"
      : plain(error);
    show($("share-error"), `Could not share ${what}: ${reason} The animated picture is shared instead.`);
  }
}
for (const input of document.querySelectorAll('input[name="share-source"]')) input.addEventListener("change", chooseSource);

const even = (n) => Math.max(2, 2 * Math.round(n / 2));

function renderWatchers() {
  if (watchers.size === 0) return $("outbound").replaceChildren(emptyItem("Nobody is watching."));
  $("outbound").replaceChildren(
    ...[...watchers].map((outbound) => {
      const item = document.createElement("li");
      item.dataset.peerId = String(outbound.peer.id);
      const text = who(outbound.peer);
      text.prepend("Watching you: ");
      item.append(text, button("Stop", () => outbound.close("The other side stopped sharing."), "secondary"));
      return item;
    }),
  );
}

/** A peer pressed "Stream" on this tab: share the chosen source with it. */
async function answerStreamRequest(peer, request) {
  show($("share-error"), null);
  if (typeof VideoEncoder !== "function") {
    const reason = window.isSecureContext ? "this browser cannot encode video (WebCodecs)" : "browsers encode video only on secure pages (https, or localhost)";
    request.reject(`This tab cannot share: ${reason}.`);
    show($("share-error"), `${nameOf(peer)} (${peer.id}) asked to watch, but ${reason}.`);
    return;
  }
  const track = sharedTrack && sharedTrack.readyState === "live" ? sharedTrack.clone() : canvas.captureStream(30).getVideoTracks()[0];
  const settings = track.getSettings();
  let outbound = null;
  try {
    outbound = await request.accept({
      video: {
        codec: "avc1.42e01f",
        width: even(settings.width ?? canvas.width),
        height: even(settings.height ?? canvas.height),
        frameRate: Math.round(settings.frameRate || 30),
      },
      audio: null,
    });
    outbound.sendTrack(track, { bitrate: 1_500_000, keyframeInterval: 60 });
    watchers.add(outbound);
    renderWatchers();
    note(`sharing with ${peer.id}`, "ok");
    outbound.addEventListener("leave", () => outbound.close());
    outbound.addEventListener("close", () => {
      track.stop();
      watchers.delete(outbound);
      renderWatchers();
    });
  } catch (error) {
    track.stop();
    if (outbound && !outbound.ended) outbound.close("The other side could not share.");
    const text = `Could not share with ${nameOf(peer)} (${peer.id}): ${plain(error)}`;
    show($("share-error"), text);
    note(text, "error");
  }
}

// ---- chat ------------------------------------------------------------------------------------------

let chat = null; // the DataChannel of the current chat

function chatLine(from, text, mine = false) {
  const item = document.createElement("li");
  if (mine) item.className = "mine";
  const name = document.createElement("b");
  name.textContent = from;
  item.append(name, `: ${text}`);
  $("chat-log").append(item);
  item.scrollIntoView?.({ block: "nearest" });
}

function attachChat(channel) {
  chat = channel;
  const peer = channel.peer;
  $("chat-status").textContent = `Chatting with ${nameOf(peer)} (${peer.id}).`;
  $("chat-input").disabled = false;
  $("chat-send").disabled = false;
  show($("chat-error"), null);
  channel.addEventListener("message", ({ data }) => chatLine(String(peer.id), new TextDecoder().decode(data)));
  channel.addEventListener("close", () => {
    if (chat !== channel) return;
    chat = null;
    $("chat-status").textContent = "The chat ended. Connect to a peer to chat again.";
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
    chatLine("you", text, true);
    $("chat-input").value = "";
    show($("chat-error"), null);
  } catch (error) {
    show($("chat-error"), `Not sent: ${plain(error)}`);
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
    show($("chat-error"), `The chat could not open: ${plain(error)}`);
  }
}

// ---- peers -----------------------------------------------------------------------------------------

function watchPeer(peer) {
  peer.addEventListener("connection-state-change", (state) => {
    // Failed comes just before "close" on every hang-up: "close" says what happened instead.
    if (state !== PeerState.Failed) note(`${peer.id} is ${STATE_WORDS[PeerState[state]]}`);
    renderPeers();
  });
  peer.addEventListener("close", () => {
    note(closedByMe.has(peer) ? `You disconnected from ${peer.id}.` : `${nameOf(peer)} (${peer.id}) disconnected.`);
    peerErrors.delete(String(peer.id));
    for (const [key, offer] of offers) if (offer.peer === peer) offers.delete(key);
    renderOffers();
    renderPeers();
  });
  peer.addEventListener("stream-request", (request) => answerStreamRequest(peer, request));
  peer.addEventListener("stream-announcement", (announcement) => {
    const key = `${peer.id}/${announcement.info.streamId}`;
    if (peer.streams?.has?.(announcement.info.streamId)) return; // already watching it
    offers.set(key, { peer, announcement });
    renderOffers();
    note(`${peer.id} offers stream ${announcement.info.streamId}`);
  });
  renderPeers();
  // Announcements sent while the connection was being set up reached nobody: ask for them again.
  peer.forceStreamAnnouncements().catch(() => {});
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
    note(`The connection from ${request.id} failed: ${plain(error)}`, "error");
    show($("connect-error"), `The connection from ${request.id} failed: ${plain(error)}`);
  }
}

function reject(request) {
  requests.delete(String(request.id));
  renderRequests();
  try {
    request.reject("They declined.");
  } catch (error) {
    note(plain(error), "error");
  }
}

/** Connects to a peer id; a failure is shown under the form (or under the demo host's line). */
async function connectTo(id) {
  const known = connection.peers.find((peer) => String(peer.id) === String(id));
  if (known) return known;
  const peer = await connection.connect(id);
  note(`connected to ${peer.id}`, "ok");
  watchPeer(peer);
  startChat(peer, true);
  return peer;
}

$("connect-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const text = $("peer-id").value.trim();
  show($("connect-error"), null);
  $("peer-id").removeAttribute("aria-invalid");
  if (!connection) return show($("connect-error"), "Not connected to the gateway yet.");
  if (!/^\d+$/.test(text)) {
    $("peer-id").setAttribute("aria-invalid", "true");
    return show($("connect-error"), `"${text}" is not a peer id: a peer id is a number, like the one under "Your peer id".`);
  }
  const id = BigInt(text);
  if (String(id) === String(connection.id)) return show($("connect-error"), "That is your own peer id: connect to another tab's id.");
  $("connect-button").disabled = true;
  $("connect-button").textContent = "Connecting…";
  try {
    await connectTo(id);
  } catch (error) {
    show($("connect-error"), plain(error));
    note(`connecting to ${id}: ${plain(error)}`, "error");
  } finally {
    $("connect-button").disabled = false;
    $("connect-button").textContent = "Connect";
  }
});

$("cancel-button").addEventListener("click", () => {
  const text = $("peer-id").value.trim();
  if (!connection || !/^\d+$/.test(text)) return;
  try {
    connection.cancelConnectionAttempt(BigInt(text));
  } catch (error) {
    show($("connect-error"), plain(error));
  }
});

$("copy-id").addEventListener("click", async () => {
  const id = $("own-id").textContent;
  try {
    if (!navigator.clipboard) throw new Error("no clipboard");
    await navigator.clipboard.writeText(id);
  } catch {
    // Without the async clipboard (a non-secure page), copy through a selection.
    const range = document.createRange();
    range.selectNodeContents($("own-id"));
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    if (!document.execCommand("copy")) {
      $("copy-result").textContent = "Copying is not allowed here: the id is selected, copy it with Ctrl+C.";
      return;
    }
  }
  $("copy-id").textContent = "Copied";
  $("copy-result").textContent = "Copied. Paste it into another tab's \"Connect to a peer\".";
  setTimeout(() => ($("copy-id").textContent = "Copy"), 2000);
});

// ---- start -----------------------------------------------------------------------------------------

$("version").textContent = version;
rainway.addEventListener("log", (level, target, message) => {
  if (level <= 1) note(`${target}: ${plain(message)}`, "error");
});

function gatewayFailed(text) {
  $("gateway-status").textContent = "not connected";
  $("gateway-status").className = "failed";
  show($("gateway-error"), text);
  $("copy-id").disabled = true;
  note(text, "error");
}

try {
  // The demo server mints a short-lived access token for this page; its API key never comes here.
  const { accessToken, externalId, hostId } = await (await fetch("/demo-config.json")).json();
  demoHostId = hostId;
  if (hostId) {
    $("demo-host-id").textContent = hostId;
    $("demo-host-line").hidden = false;
    $("watch-demo").addEventListener("click", async () => {
      show($("demo-host-error"), null);
      try {
        watch(await connectTo(BigInt(hostId)));
      } catch (error) {
        show($("demo-host-error"), `The demo host cannot be reached: ${plain(error)}`);
      }
    });
  }
  connection = await rainway.connect({ apiKey: accessToken, externalId });
  $("gateway-status").textContent = "connected";
  $("gateway-status").className = "ok";
  $("own-id").textContent = String(connection.id);
  $("copy-id").disabled = false;
  connection.addEventListener("peer-request", (request) => {
    note(`request from ${request.id}`);
    if ($("auto-accept").checked) {
      accept(request);
    } else {
      requests.set(String(request.id), request);
      renderRequests();
    }
  });
  connection.addEventListener("reconnecting", () => {
    $("gateway-status").textContent = "reconnecting…";
    $("gateway-status").className = "pending";
  });
  connection.addEventListener("reconnected", (id) => {
    $("gateway-status").textContent = "connected";
    $("gateway-status").className = "ok";
    $("own-id").textContent = String(id);
  });
  connection.addEventListener("close", (error) => gatewayFailed(error ? plain(error) : "The connection to the gateway ended."));
} catch (error) {
  gatewayFailed(`Could not reach the gateway: ${plain(error)}`);
}
