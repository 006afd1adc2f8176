// The Linux host end to end: a virtual X display (Debian's Xvfb) runs the demo app (its colour
// follows the last key, click and wheel); `startHost` streams it with the native host program;
// Chromium types, clicks and scrolls in the stream and reads the colours back from its canvas. The
// host's cursor and clipboard travel to the page; clipboard-probe (tests/host) is the other X client.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import rainway, { InputLevel, RainwayError } from "../../js/index.js";
import { startHost } from "../../js/host/linux-host.js";
import { nativeProgram } from "../../js/host/native-host.js";
import { startVirtualDisplay } from "../../js/host/virtual-display.js";
import { sleep, until } from "../helpers/events.mjs";
import { gatewayServerAndBrowser, openPage } from "../helpers/browser.mjs";

const fixture = gatewayServerAndBrowser();
let display;
let app;

before(async () => {
  display = await startVirtualDisplay({ width: 640, height: 360 });
  app = spawn(nativeProgram("petrichor-demo-app"), ["--display", display.display], { stdio: "inherit" });
});

after(async () => {
  app?.kill();
  display?.stop();
});

/** A host on the virtual display granting `permissions`, and a Chromium page watching its stream. */
async function hostAndPage(permissions) {
  const logs = [];
  const host = await startHost({
    gatewayUrl: fixture.gateway.url,
    apiKey: "key",
    display: display.display,
    acceptAll: true,
    permissions,
    log: (message) => logs.push(message),
  });
  const query = new URLSearchParams({ key: "key", gateway: fixture.gateway.url, host: String(host.id) });
  let page;
  try {
    page = await openPage(fixture.browser, `${fixture.server.url}/test-pages/input.html?${query}`);
    await page.waitForSelector("body[data-ready=yes]", { state: "attached" });
    await page.evaluate(() => window.startStream());
    await page.waitForFunction(() => window.stream.playbackCounters().video?.framesDecoded >= 1, null, { timeout: 45000 });
  } catch (error) {
    // Nothing may outlive a failed start: a host left open keeps this file's process alive.
    const counters = await page?.evaluate(() => window.stream && window.stream.playbackCounters()).catch(() => undefined);
    await page?.close();
    host.close();
    if (counters) error.message += `\nplayback counters: ${JSON.stringify(counters)}`;
    throw withHostLog(error, logs);
  }
  return {
    host,
    page,
    logs,
    async close() {
      await page.close();
      host.close();
    },
  };
}

/** A failed test's error, with the end of the host's log (the native program's words included). */
function withHostLog(error, logs) {
  error.message += `\nhost log:\n${logs.slice(-40).join("\n")}`;
  return error;
}

/** Waits until the picture's top left corner has the colour (within a codec's tolerance). */
async function colourBecomes(page, [r, g, b], what) {
  try {
    await page.waitForFunction(
      ([r, g, b]) => {
        const p = window.pixel(0.02, 0.95);
        return Math.abs(p.r - r) < 40 && Math.abs(p.g - g) < 40 && Math.abs(p.b - b) < 40;
      },
      [r, g, b],
      { timeout: 15000, polling: 50 },
    );
  } catch {
    const seen = await page.evaluate(() => window.pixel(0.02, 0.95));
    assert.fail(`${what}: the picture is ${JSON.stringify(seen)}, expected about ${[r, g, b]}`);
  }
}

/** The text of the display's CLIPBOARD as another X client reads it ("" when there is none). */
async function readClipboard() {
  try {
    const { stdout } = await promisify(execFile)(nativeProgram("clipboard-probe"), ["--display", display.display, "--get"]);
    return stdout;
  } catch {
    return ""; // no owner, or it refused
  }
}

/** Another X client owning CLIPBOARD with `text` for a while; resolves with its process once it owns it. */
function ownClipboard(text, seconds = 10) {
  const probe = spawn(nativeProgram("clipboard-probe"), ["--display", display.display, "--set", text, "--seconds", String(seconds)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    probe.stdout.once("data", () => resolve(probe));
    probe.once("exit", (code) => reject(new Error(`clipboard-probe --set exited with status ${code}`)));
  });
}

const RED = [255, 0, 0];
const GREEN = [0, 255, 0];
const BLUE = [0, 0, 255];
const WHITE = [255, 255, 255];
const YELLOW = [255, 255, 0];
const MAGENTA = [255, 0, 255];
const CYAN = [0, 255, 255];

test("keys, clicks and the wheel in Chromium drive an X app streamed by the native host", { timeout: 90000 }, async () => {
  const { page, close, logs } = await hostAndPage(InputLevel.All);
  try {
    assert.equal(await page.evaluate(() => window.pixel().width), 640);
    await page.evaluate(() => window.stream.container.focus());
    await page.keyboard.press("KeyR");
    await colourBecomes(page, RED, "after r");
    await page.keyboard.press("KeyG");
    await colourBecomes(page, GREEN, "after g");
    // The 640 × 360 picture in the page's 640 × 240 view: 426.7 × 240 from x = 106.7.
    await page.mouse.click(320, 120);
    await colourBecomes(page, WHITE, "after a left click");
    await page.mouse.click(320, 120, { button: "right" });
    await colourBecomes(page, YELLOW, "after a right click");
    await page.mouse.wheel(0, 100);
    await colourBecomes(page, MAGENTA, "after the wheel down");
    await page.mouse.wheel(0, -100);
    await colourBecomes(page, CYAN, "after the wheel up");
    assert.deepEqual(page.errors, []);
  } catch (error) {
    throw withHostLog(error, logs);
  } finally {
    await close();
  }
});

test("a key without the Keyboard permission changes nothing; the mouse still works", { timeout: 90000 }, async () => {
  const { page, close, host } = await hostAndPage(InputLevel.Mouse);
  try {
    await page.evaluate(() => window.stream.container.focus());
    await page.mouse.click(320, 120, { button: "right" });
    await colourBecomes(page, YELLOW, "after a right click");
    // The page does not even capture keys without the permission; a key sent anyway (sendInput, as a
    // modified client could) is dropped by the host's core.
    await page.keyboard.press("KeyB");
    await page.evaluate(() => {
      window.stream.sendInput({ type: 5, action: 0, key: 45 });
      window.stream.sendInput({ type: 5, action: 1, key: 45 });
    });
    const [outbound] = host.streams;
    await until(() => outbound.counters().inputDropped === 2);
    // Had b been injected the app would paint blue at once; it stays yellow.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const p = await page.evaluate(() => window.pixel(0.02, 0.95));
    assert.ok(p.r > 200 && p.g > 200 && p.b < 60, `still yellow: ${JSON.stringify(p)}`);
    await page.mouse.click(320, 120);
    await colourBecomes(page, WHITE, "after a left click");
  } finally {
    await close();
  }
});

test("keyframe and bitrate requests reach the native encoder; a killed native program ends the stream, the host serves the next", { timeout: 90000 }, async () => {
  const animated = spawn(nativeProgram("petrichor-demo-app"), ["--display", display.display, "--animate"], { stdio: "inherit" });
  const host = await startHost({ gatewayUrl: fixture.gateway.url, apiKey: "key", display: display.display, acceptAll: true, bitrate: 2_000_000 });
  const client = await rainway.connect({ apiKey: "key", gatewayUrl: fixture.gateway.url, externalId: "node-viewer" });
  try {
    const peer = await client.connect(host.id);
    const stream = await peer.createStream({ permissions: InputLevel.All });
    const frames = [];
    stream.addEventListener("frame", (frame) => frame.kind === "video" && frames.push({ at: performance.now(), type: frame.type, bytes: frame.data.length }));
    await until(() => frames.length >= 30, 30000);
    // A keyframe request is answered with a keyframe (the encoder makes none on its own for 10 s).
    const asked = performance.now();
    stream.requestKeyframe();
    await until(() => frames.some((f) => f.at > asked && f.type === "key"), 10000);
    // The bitrate follows requests without restarting the encoder.
    const rate = async () => {
      const start = frames.length;
      await until(() => frames.length >= start + 60, 30000);
      const window = frames.slice(start + 15, start + 60); // after the encoder settled
      return (window.reduce((sum, f) => sum + f.bytes, 0) * 8) / ((window.at(-1).at - window[0].at) / 1000);
    };
    stream.requestBitrate(2_000_000);
    const high = await rate();
    stream.requestBitrate(250_000);
    const low = await rate();
    assert.ok(low < high * 0.5, `bitrate ${Math.round(high / 1000)} kbit/s → ${Math.round(low / 1000)} kbit/s`);

    // The native program dies: the client's stream closes, the host lives on and serves the next stream.
    const closed = new Promise((resolve) => stream.addEventListener("close", resolve));
    execFileSync("pkill", ["-KILL", "-f", `petrichor-host --display ${display.display} `]);
    const error = await closed;
    assert.ok(error instanceof RainwayError, `close with ${error}`);
    assert.match(error.message, /The host ended stream \d+: The native host program stopped: it was killed by SIGKILL/);
    const next = await peer.createStream({ permissions: InputLevel.All });
    const more = [];
    next.addEventListener("frame", (frame) => more.push(frame));
    await until(() => more.length >= 5, 30000);
    next.close();
  } finally {
    client.close();
    host.close();
    animated.kill();
  }
});

test("the X display's cursor is drawn in the page where the X pointer is", { timeout: 90000 }, async () => {
  const { page, close, logs } = await hostAndPage(InputLevel.All);
  try {
    // Xvfb's capture has no cursor in it; the host sends its shape (the root window's X) as a PNG.
    await page.waitForFunction(() => window.events.some((e) => e.name === "cursor" && e.value.hasPointerImage), null, { timeout: 15000 });
    const shape = await page.evaluate(() => window.events.find((e) => e.name === "cursor" && e.value.hasPointerImage).value);
    assert.match(shape.pointerImage, /^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
    assert.ok(shape.shapeWidth >= 1 && shape.shapeWidth <= 256 && shape.shapeHeight >= 1 && shape.shapeHeight <= 256, JSON.stringify(shape));
    assert.ok(shape.spotX < shape.shapeWidth && shape.spotY < shape.shapeHeight, JSON.stringify(shape));
    const seen = await page.evaluate(() => window.events.length);

    // The 640 × 360 picture in the 640 × 240 view: scale 2/3, 426.7 px wide from x = 106.7.
    const scale = 240 / 360;
    const left = (640 - 640 * scale) / 2;
    const [pageX, pageY] = [400, 150];
    const [remoteX, remoteY] = [(pageX - left) / scale, pageY / scale]; // 440, 225
    await page.mouse.move(pageX, pageY);
    try {
      await page.waitForFunction(
        ([from, x, y]) =>
          window.events.slice(from).some((e) => e.name === "cursor" && e.value.visible && Math.abs(e.value.x - x) <= 2 && Math.abs(e.value.y - y) <= 2),
        [seen, remoteX, remoteY],
        { timeout: 15000, polling: 50 },
      );
    } catch {
      const cursors = await page.evaluate((from) => window.events.slice(from).filter((e) => e.name === "cursor").map((e) => [e.value.x, e.value.y, e.value.visible]), seen);
      assert.fail(`no cursor at about ${remoteX}, ${remoteY}; seen ${JSON.stringify(cursors)}`);
    }

    // Drawn over the picture with its hotspot on the page's pointer.
    const drawn = await page.evaluate(() => {
      const element = window.stream.container.querySelector(".rainway-cursor");
      const box = element.querySelector("img").getBoundingClientRect();
      const cursor = window.stream.cursor;
      return { display: getComputedStyle(element).display, left: box.left, top: box.top, spotX: cursor.spotX, spotY: cursor.spotY };
    });
    assert.equal(drawn.display, "block");
    assert.ok(Math.abs(drawn.left + drawn.spotX * scale - pageX) <= 2, JSON.stringify(drawn));
    assert.ok(Math.abs(drawn.top + drawn.spotY * scale - pageY) <= 2, JSON.stringify(drawn));
    assert.deepEqual(page.errors, []);
  } catch (error) {
    throw withHostLog(error, logs);
  } finally {
    await close();
  }
});

test("clipboard text goes both ways between the page and the X display with InputLevel.Clipboard", { timeout: 90000 }, async () => {
  const { page, close, logs } = await hostAndPage(InputLevel.All | InputLevel.Clipboard);
  let probe;
  try {
    // Page → X: the host owns CLIPBOARD with the text, and serves it to other X clients.
    await page.evaluate(() => window.stream.sendInput({ type: 10, text: "from the browser" })); // InputType.SetClipboardText
    const started = Date.now();
    let text = "";
    while ((text = await readClipboard()) !== "from the browser") {
      if (Date.now() - started > 15000) assert.fail(`the X clipboard holds ${JSON.stringify(text)}`);
      await sleep(100);
    }

    // X → page: another client takes CLIPBOARD; the host reads its text and sends it on.
    probe = await ownClipboard("from X: héllo ✓");
    await page.waitForFunction(() => window.events.some((e) => e.name === "clipboard"), null, { timeout: 15000 });
    // The page's own text was not sent back to it (the host ignores its own ownership).
    const texts = await page.evaluate(() => window.events.filter((e) => e.name === "clipboard").map((e) => e.value));
    assert.deepEqual(texts, ["from X: héllo ✓"]);
    assert.deepEqual(page.errors, []);
  } catch (error) {
    throw withHostLog(error, logs);
  } finally {
    probe?.kill();
    await close();
  }
});

test("without InputLevel.Clipboard the X clipboard does not reach the page", { timeout: 90000 }, async () => {
  const { page, close, host, logs } = await hostAndPage(InputLevel.All);
  let probe;
  try {
    const [outbound] = host.streams;
    const dropped = outbound.counters().inputDropped;
    probe = await ownClipboard("not for the page");
    // The native program read it and passed it on; the host's core refused it for this client.
    await until(() => outbound.counters().inputDropped > dropped, 15000);
    await sleep(1000);
    assert.deepEqual(await page.evaluate(() => window.events.filter((e) => e.name === "clipboard")), []);
  } catch (error) {
    throw withHostLog(error, logs);
  } finally {
    probe?.kill();
    await close();
  }
});

/** Waits until the page's picture (it takes the decoded frame's size) is width × height. */
async function pictureSizeBecomes(page, width, height) {
  try {
    await page.waitForFunction(
      ([width, height]) => {
        const picture = window.stream && window.pixel();
        return picture?.width === width && picture?.height === height;
      },
      [width, height],
      { timeout: 20000, polling: 50 },
    );
  } catch {
    const seen = await page.evaluate(() => window.stream && window.pixel());
    assert.fail(`the picture is ${seen?.width}×${seen?.height}, expected ${width}×${height}`);
  }
}

test("an app's virtual display follows the page's viewport; the app fills it and still gets keys", { timeout: 120000 }, async () => {
  const logs = [];
  // App mode: startHost runs its own Xvfb (a 3840 × 2160 framebuffer) with the demo app in it.
  const host = await startHost({
    gatewayUrl: fixture.gateway.url,
    apiKey: "key",
    app: nativeProgram("petrichor-demo-app"),
    acceptAll: true,
    log: (message) => logs.push(message),
  });
  const query = new URLSearchParams({ key: "key", gateway: fixture.gateway.url, host: String(host.id) });
  const page = await openPage(fixture.browser, `${fixture.server.url}/test-pages/input.html?${query}`);
  try {
    await page.waitForSelector("body[data-ready=yes]", { state: "attached" });
    await page.evaluate(() => window.startStream());
    // The page's 640 × 240 view: the SDK sends ViewportResize 640 × 240, the screen becomes that.
    await pictureSizeBecomes(page, 640, 240);
    await page.evaluate(() => {
      const view = document.getElementById("view");
      view.style.width = "800px";
      view.style.height = "480px";
    });
    await pictureSizeBecomes(page, 800, 480);
    await page.evaluate(() => window.stream.container.focus());
    await page.keyboard.press("KeyR");
    await colourBecomes(page, RED, "after r at 800 × 480");
    // Larger than the screen the app started in (1280 × 720): the app's window follows the screen, so
    // the far corner is the app's too. Odd sizes become even ones.
    await page.evaluate(() => {
      const view = document.getElementById("view");
      view.style.width = "1601px";
      view.style.height = "901px";
    });
    await pictureSizeBecomes(page, 1600, 900);
    await page.waitForFunction(
      () => {
        const p = window.pixel(0.98, 0.98);
        return p.r > 215 && p.g < 40 && p.b < 40;
      },
      null,
      { timeout: 15000, polling: 50 },
    );
    // Below the smallest size a client may ask for: 320 × 240.
    await page.evaluate(() => {
      const view = document.getElementById("view");
      view.style.width = "200px";
      view.style.height = "100px";
    });
    await pictureSizeBecomes(page, 320, 240);
    await page.keyboard.press("KeyG");
    await colourBecomes(page, GREEN, "after g at 320 × 240");
    assert.deepEqual(page.errors, []);
  } catch (error) {
    throw withHostLog(error, logs);
  } finally {
    await page.close();
    host.close();
  }
});

/** Runs `petrichor host` and resolves with the peer id it prints; the process is returned to stop. */
function runHostCommand(args) {
  const child = spawn(process.execPath, [new URL("../../js/cli.js", import.meta.url).pathname, "host", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const printed = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`petrichor host printed nothing: ${output}`)), 20000);
    child.stdout.on("data", (chunk) => {
      output += chunk;
      const match = /Petrichor host (\d+) streaming (:\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve({ id: match[1], display: match[2] });
      }
    });
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("exit", (code) => reject(new Error(`petrichor host exited with ${code}: ${output}`)));
  });
  return { child, printed };
}

test("`petrichor host` prints its peer id and keeps it across restarts", { timeout: 60000 }, async () => {
  const idFile = join(mkdtempSync(join(tmpdir(), "petrichor-host-")), "host-id");
  const args = ["--gateway", fixture.gateway.url, "--key", "key", "--display", display.display, "--accept-all", "--id-file", idFile];
  const first = runHostCommand(args);
  const { id, display: shown } = await first.printed;
  assert.equal(shown, display.display);
  first.child.kill("SIGTERM");
  await new Promise((resolve) => first.child.once("exit", resolve));
  const second = runHostCommand(args);
  try {
    assert.equal((await second.printed).id, id);
  } finally {
    second.child.kill("SIGTERM");
  }
  // Wrong use is a usage error, not a stack trace.
  const wrong = spawnSync(process.execPath, [new URL("../../js/cli.js", import.meta.url).pathname, "host", "--display", ":1"], { encoding: "utf8" });
  assert.equal(wrong.status, 2);
  assert.match(wrong.stderr, /host needs --gateway/);
});

test("the host survives 20 viewers leaving mid-stream, and keeps its stream limits", { timeout: 120000 }, async () => {
  // A picture that keeps changing: media is being sent at the moment each viewer goes.
  const animated = spawn(nativeProgram("petrichor-demo-app"), ["--display", display.display, "--animate"], { stdio: "ignore" });
  const logs = [];
  const host = await startHost({
    gatewayUrl: fixture.gateway.url,
    apiKey: "key",
    display: display.display,
    acceptAll: true,
    maxStreams: 2,
    log: (message) => logs.push(message),
  });
  const viewer = async (name) => {
    const client = await rainway.connect({ apiKey: "key", gatewayUrl: fixture.gateway.url, externalId: name });
    const peer = await client.connect(host.id);
    return { client, peer };
  };
  try {
    for (let round = 0; round < 20; round++) {
      const { client, peer } = await viewer(`leaver-${round}`);
      const stream = await peer.createStream({ permissions: InputLevel.All });
      const frames = [];
      stream.addEventListener("frame", (frame) => frames.push(frame));
      await until(() => frames.length >= 10, 20000);
      client.close(); // gone mid-stream: no leave, the peer connection just ends
      await until(() => host.streams.size === 0, 20000);
    }
    // Limits: one stream per peer, two in total.
    const first = await viewer("first");
    const stream = await first.peer.createStream({ permissions: InputLevel.All });
    await assert.rejects(first.peer.createStream({ permissions: InputLevel.All }), /This host is busy: at most 1 stream\(s\) per peer/);
    const second = await viewer("second");
    await second.peer.createStream({ permissions: InputLevel.All });
    const third = await viewer("third");
    await assert.rejects(third.peer.createStream({ permissions: InputLevel.All }), /This host is busy: at most 2 streams at once/);
    // The host still streams to whoever is watching.
    const frames = [];
    stream.addEventListener("frame", (frame) => frames.push(frame));
    stream.requestKeyframe();
    await until(() => frames.length >= 1, 20000);
    for (const v of [first, second, third]) v.client.close();
  } catch (error) {
    throw withHostLog(error, logs);
  } finally {
    host.close();
    animated.kill();
  }
});
