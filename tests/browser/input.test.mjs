// Input from a real browser: Debian's Chromium, driven by playwright-core, types, points, clicks,
// scrolls and touches a letterboxed stream container; a Node host receives what the SDK captured
// (VirtualKey, button, remote coordinates) through the gateway, WebRTC and both cores.
import { test } from "node:test";
import assert from "node:assert/strict";
import rainway, { ButtonAction, InputLevel, InputType, KeyboardAction, MouseButton, ScrollAxis, VirtualKey, WindowsPointerFlags, XInputButtons } from "../../js/index.js";
import { until } from "../helpers/events.mjs";
import { gatewayServerAndBrowser, openPage } from "../helpers/browser.mjs";

const fixture = gatewayServerAndBrowser();

// The picture is 320 × 240 in a 640 × 240 container: remote x = page x - 160.
const BAR = 160;
const PNG_1X1 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

/** A Node host that grants `level` and records every input; the page joins its stream. */
async function hostAndPage(level = InputLevel.All | InputLevel.Clipboard) {
  const host = await rainway.connect({ apiKey: "key", externalId: "input-host", gatewayUrl: fixture.gateway.url });
  const state = { inputs: [], outbound: null };
  host.addEventListener("peer-request", async (request) => {
    const peer = await request.accept();
    peer.addEventListener("stream-request", async (streamRequest) => {
      const outbound = await streamRequest.accept({ permissions: level, video: { codec: "avc1.42e01e", width: 320, height: 240, frameRate: 30 } });
      outbound.addEventListener("input", (input) => state.inputs.push(input));
      state.outbound = outbound;
    });
  });
  const query = new URLSearchParams({ key: "key", gateway: fixture.gateway.url, host: String(host.id) });
  const page = await openPage(fixture.browser, `${fixture.server.url}/test-pages/input.html?${query}`);
  await page.waitForSelector("body[data-ready=yes]", { state: "attached" });
  await page.evaluate(() => window.startStream());
  await until(() => state.outbound !== null);
  // The container's size arrives first, once the page has laid it out.
  await until(() => state.inputs.some((i) => i.type === InputType.ViewportResize));
  assert.deepEqual(state.inputs.find((i) => i.type === InputType.ViewportResize), { type: InputType.ViewportResize, width: 640, height: 240 });
  state.inputs.length = 0;
  return {
    page,
    state,
    /** Waits until the host has `count` inputs matching `filter`; returns them. */
    async received(filter, count = 1) {
      await until(() => state.inputs.filter(filter).length >= count);
      return state.inputs.filter(filter);
    },
    async close() {
      await page.close();
      host.close();
    },
  };
}

const keys = (i) => i.type === InputType.Keyboard;
const key = (action, vk) => ({ type: InputType.Keyboard, action, key: vk });

test("typed keys arrive as VirtualKeys by physical key, any layout, IME text as text; the page never sees them as its own", { timeout: 60000 }, async () => {
  const { page, state, received, close } = await hostAndPage();
  try {
    await page.keyboard.press("KeyA");
    await page.keyboard.down("ShiftLeft");
    await page.keyboard.press("Digit1");
    await page.keyboard.up("ShiftLeft");
    await page.keyboard.press("F5"); // would reload the page if it were not kept from the browser
    // A French (AZERTY) keyboard: the key where US has Q types "a"; the host gets the physical key.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Input.dispatchKeyEvent", { type: "keyDown", code: "KeyQ", key: "a", text: "a", windowsVirtualKeyCode: 65 });
    await cdp.send("Input.dispatchKeyEvent", { type: "keyUp", code: "KeyQ", key: "a", windowsVirtualKeyCode: 65 });
    const got = await received(keys, 10);
    assert.deepEqual(got, [
      key(0, VirtualKey.A),
      key(1, VirtualKey.A),
      key(0, VirtualKey.LeftShift),
      key(0, VirtualKey.D1),
      key(1, VirtualKey.D1),
      key(1, VirtualKey.LeftShift),
      key(0, VirtualKey.F5),
      key(1, VirtualKey.F5),
      key(0, VirtualKey.Q),
      key(1, VirtualKey.Q),
    ]);
    // An IME composes text: the host gets the text, not the keys that composed it.
    await cdp.send("Input.imeSetComposition", { text: "にほん", selectionStart: 3, selectionEnd: 3 });
    await cdp.send("Input.insertText", { text: "日本" });
    assert.deepEqual((await received((i) => i.type === InputType.PasteText)).at(-1), { type: InputType.PasteText, inputString: "日本" });
    const pageKeys = await page.evaluate(() => window.pageKeys);
    assert.equal(pageKeys.length, 5);
    assert.ok(pageKeys.every((k) => k.defaultPrevented), JSON.stringify(pageKeys));
    assert.equal(await page.evaluate(() => window.stream.ended), false); // F5 did not reload
    assert.equal(state.outbound.counters().inputDropped, 0);
    assert.deepEqual(page.errors, []);
  } finally {
    await close();
  }
});

test("the mouse on a letterboxed container: absolute remote coordinates, every button, both wheel axes", { timeout: 60000 }, async () => {
  const { page, received, close } = await hostAndPage();
  try {
    const moves = (i) => i.type === InputType.MouseAbsolute;
    await page.mouse.move(BAR + 100, 50);
    assert.deepEqual((await received(moves)).at(-1), { type: InputType.MouseAbsolute, x: 100, y: 50 });
    await page.mouse.move(BAR + 319, 239);
    assert.deepEqual((await received((i) => moves(i) && i.x === 319)).at(-1), { type: InputType.MouseAbsolute, x: 319, y: 239 });
    await page.mouse.move(10, 120); // in the bar: clamped to the picture's edge
    assert.deepEqual((await received((i) => moves(i) && i.x === 0)).at(-1), { type: InputType.MouseAbsolute, x: 0, y: 120 });

    await page.mouse.move(BAR + 20, 30);
    for (const [button, expected] of [["left", MouseButton.Left], ["right", MouseButton.Right], ["middle", MouseButton.Middle]]) {
      await page.mouse.down({ button });
      await page.mouse.up({ button });
      const clicks = await received((i) => i.type === InputType.MouseClick && i.button === expected, 2);
      assert.deepEqual(clicks, [
        { type: InputType.MouseClick, action: ButtonAction.ButtonDown, button: expected },
        { type: InputType.MouseClick, action: ButtonAction.ButtonUp, button: expected },
      ]);
    }

    const scrolls = (i) => i.type === InputType.MouseScroll;
    await page.mouse.wheel(0, 100);
    await page.mouse.wheel(50, 0);
    await page.mouse.wheel(0, -25);
    const got = await received(scrolls, 3);
    assert.deepEqual(got, [
      { type: InputType.MouseScroll, axis: ScrollAxis.Vertical, delta: 120 },
      { type: InputType.MouseScroll, axis: ScrollAxis.Horizontal, delta: 60 },
      { type: InputType.MouseScroll, axis: ScrollAxis.Vertical, delta: -30 },
    ]);
    assert.equal(await page.evaluate(() => window.scrollY), 0);
    assert.deepEqual(page.errors, []);
  } finally {
    await close();
  }
});

test("touches arrive as TouchesAbsolute in remote coordinates; with gestures a tap is a click", { timeout: 60000 }, async () => {
  const { page, received, close } = await hostAndPage();
  try {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send("Emulation.setTouchEmulationEnabled", { enabled: true, maxTouchPoints: 5 });
    const touch = (type, points) => cdp.send("Input.dispatchTouchEvent", { type, touchPoints: points });
    await touch("touchStart", [{ x: BAR + 32, y: 24, id: 1, radiusX: 5, radiusY: 5, force: 0.5 }]);
    await touch("touchStart", [{ x: BAR + 32, y: 24, id: 1, force: 0.5 }, { x: BAR + 200, y: 100, id: 2, force: 1 }]);
    await touch("touchEnd", []);
    // Each report carries every contact in progress: the second finger's arrives with the first.
    await received((i) => i.type === InputType.TouchesAbsolute && i.touches.length === 2);
    await received((i) => i.type === InputType.TouchesAbsolute && i.touches.some((t) => t.pointerInfo.pointerFlags & WindowsPointerFlags.Up));
    const touches = await received((i) => i.type === InputType.TouchesAbsolute);
    const first = touches[0].touches;
    assert.equal(first.length, 1);
    assert.equal(first[0].pointerInfo.x, 32);
    assert.equal(first[0].pointerInfo.y, 24);
    assert.ok(first[0].pointerInfo.pointerFlags & WindowsPointerFlags.Down);
    assert.ok(first[0].pointerInfo.pointerFlags & WindowsPointerFlags.InContact);
    assert.equal(first[0].pressure, 512);
    assert.ok(first[0].contactRight > first[0].contactLeft);
    const both = touches.find((t) => t.touches.length === 2).touches;
    assert.deepEqual(both.map((t) => [t.pointerInfo.x, t.pointerInfo.y]).sort((a, b) => a[0] - b[0]), [[32, 24], [200, 100]]);
    const ups = touches.flatMap((t) => t.touches).filter((t) => t.pointerInfo.pointerFlags & WindowsPointerFlags.Up);
    assert.ok(ups.length >= 1);
    assert.ok(ups.every((t) => !(t.pointerInfo.pointerFlags & WindowsPointerFlags.InContact)));

    await page.evaluate(() => window.stream.enableGestures());
    await touch("touchStart", [{ x: BAR + 150, y: 60, id: 3 }]);
    await touch("touchEnd", []);
    const clicks = await received((i) => i.type === InputType.MouseClick && i.button === MouseButton.Left, 2);
    assert.deepEqual(clicks.map((c) => c.action), [ButtonAction.ButtonDown, ButtonAction.ButtonUp]);
    const moves = await received((i) => i.type === InputType.MouseAbsolute);
    assert.deepEqual(moves.at(-1), { type: InputType.MouseAbsolute, x: 150, y: 60 });
    // Two fingers dragged up: the content scrolls down.
    await touch("touchStart", [{ x: BAR + 100, y: 200, id: 4 }, { x: BAR + 140, y: 200, id: 5 }]);
    for (let y = 190; y >= 110; y -= 10) await touch("touchMove", [{ x: BAR + 100, y, id: 4 }, { x: BAR + 140, y, id: 5 }]);
    await touch("touchEnd", []);
    const scrolls = await received((i) => i.type === InputType.MouseScroll && i.axis === ScrollAxis.Vertical);
    assert.ok(scrolls.reduce((sum, s) => sum + s.delta, 0) > 0, JSON.stringify(scrolls));
    assert.deepEqual(page.errors, []);
  } finally {
    await close();
  }
});

test("held keys are released when the page loses focus or is hidden; before-input can keep an input", { timeout: 60000 }, async () => {
  const { page, state, received, close } = await hostAndPage();
  try {
    await page.keyboard.down("KeyW");
    await received(keys, 1);
    await page.evaluate(() => window.dispatchEvent(new Event("blur")));
    assert.deepEqual(await received(keys, 2), [key(0, VirtualKey.W), key(1, VirtualKey.W)]);
    await page.keyboard.up("KeyW"); // the browser's own up: the key is not held any more
    await received(keys, 3);

    await page.keyboard.down("KeyS");
    await received(keys, 4);
    await page.evaluate(() => {
      Object.defineProperty(document, "visibilityState", { value: "hidden", configurable: true });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    assert.deepEqual((await received(keys, 5)).at(-1), key(1, VirtualKey.S));
    await page.evaluate(() => {
      Object.defineProperty(document, "visibilityState", { value: "visible", configurable: true });
      document.dispatchEvent(new Event("visibilitychange"));
    });
    // Hidden paused the stream, visible again resumed it.
    const entries = await page.evaluate(() => window.stream.getReport().entries.map((e) => e.type));
    assert.deepEqual(entries.filter((type) => type === "paused" || type === "resumed"), ["paused", "resumed"]);
    await page.keyboard.up("KeyS");
    await received(keys, 6); // that up is sent too (as W's was): wait for it before counting what follows

    // before-input: the app keeps B to itself; the browser gets it back (not prevented).
    await page.evaluate(() =>
      window.stream.addEventListener("before-input", (event) => {
        window.lastHeld = [...event.heldKeys.keys];
        if (event.input.type === 5 && event.input.key === 45) event.preventDefault();
      }),
    );
    const before = state.inputs.filter(keys).length;
    await page.keyboard.down("ShiftRight");
    await page.keyboard.press("KeyB");
    await page.keyboard.press("KeyC");
    await page.keyboard.up("ShiftRight");
    const after = (await received(keys, before + 4)).slice(before);
    assert.deepEqual(after, [key(0, VirtualKey.RightShift), key(0, VirtualKey.C), key(1, VirtualKey.C), key(1, VirtualKey.RightShift)]);
    assert.deepEqual(await page.evaluate(() => window.lastHeld), [VirtualKey.RightShift]);
    const pageKeys = await page.evaluate(() => window.pageKeys.slice(-3));
    assert.deepEqual(pageKeys.map((k) => [k.code, k.defaultPrevented]), [["ShiftRight", true], ["KeyB", false], ["KeyC", true]]);
    assert.deepEqual(page.errors, []);
  } finally {
    await close();
  }
});

test("a gamepad reaches the host on its own port without focus; rumble, cursor and clipboard come back", { timeout: 60000 }, async () => {
  const { page, state, received, close } = await hostAndPage();
  try {
    await page.evaluate(() => document.activeElement?.blur()); // gamepads do not need the focus
    // Without a pad nothing is polled after the first look (no loop on every display frame, which
    // would read the pads some 18 times in 300 ms); one look more is a late permissions message's.
    const pollsStay = async (what) => {
      const before = await page.evaluate(() => window.gamepadPolls);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const polls = (await page.evaluate(() => window.gamepadPolls)) - before;
      assert.ok(polls <= 1, `${what}: ${polls} reads in 300 ms`);
    };
    await page.waitForFunction(() => window.gamepadPolls > 0, null, { timeout: 10000 });
    await pollsStay("no gamepad is polled while none is connected");
    await page.evaluate(() => (window.pad = { buttons: [true], axes: [0, -1, 0.5, 0] }));
    const pads = (i) => i.type === InputType.Gamepad;
    const [first] = await received(pads);
    assert.deepEqual(first, {
      type: InputType.Gamepad, buttons: XInputButtons.A, leftTrigger: 0, rightTrigger: 0, leftThumbX: 0, leftThumbY: 32767,
      rightThumbX: 16384, rightThumbY: 0, slot: 2, connected: true,
    });
    await page.evaluate(() => (window.pad = { buttons: [false, true, false, false, false, false, false, true], axes: [0, -1, 0.5, 0] }));
    const [, second] = await received(pads, 2);
    assert.equal(second.buttons, XInputButtons.B);
    assert.equal(second.rightTrigger, 255);
    await new Promise((resolve) => setTimeout(resolve, 200)); // unchanged frames send nothing
    assert.equal(state.inputs.filter(pads).length, 2);

    state.outbound.sendRumble({ port: 2, leftMotorSpeed: 65535, rightMotorSpeed: 0 });
    await page.waitForFunction(() => window.rumbles.length > 0, null, { timeout: 10000 });
    const [rumble] = await page.evaluate(() => window.rumbles);
    assert.equal(rumble.type, "dual-rumble");
    assert.equal(rumble.strongMagnitude, 1);
    assert.equal(rumble.weakMagnitude, 0);

    await page.evaluate(() => (window.pad = null));
    const [, , gone] = await received(pads, 3);
    assert.equal(gone.connected, false);
    await pollsStay("the polling stops once the pad is gone");

    // The host's cursor is drawn in the container, offset like the picture.
    state.outbound.sendCursor({ x: 100, y: 40, image: Buffer.from(PNG_1X1, "base64"), spotX: 0, spotY: 0, shapeWidth: 1, shapeHeight: 1 });
    await page.waitForFunction(() => getComputedStyle(document.querySelector(".rainway-cursor")).display === "block", null, { timeout: 10000 });
    const transform = await page.evaluate(() => document.querySelector(".rainway-cursor").style.transform);
    assert.equal(transform, `translate(${BAR + 100}px, 40px)`);
    state.outbound.sendCursor({ x: 100, y: 40, visible: false });
    await page.waitForFunction(() => getComputedStyle(document.querySelector(".rainway-cursor")).display === "none", null, { timeout: 10000 });

    state.outbound.setClipboardText("from the host");
    await page.waitForFunction(() => window.events.some((e) => e.name === "clipboard"), null, { timeout: 10000 });
    // A paste on the container puts the page's text on the host's clipboard.
    await page.evaluate(() => {
      const data = new DataTransfer();
      data.setData("text/plain", "pasted here");
      window.stream.container.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
    });
    assert.deepEqual((await received((i) => i.type === InputType.SetClipboardText)).at(-1), { type: InputType.SetClipboardText, text: "pasted here" });
    // Revoking the gamepad ports on the host reaches the page: permissions change there too.
    state.outbound.permissions = InputLevel.Keyboard;
    await page.waitForFunction(() => window.stream.permissions === 32, null, { timeout: 10000 });
    assert.deepEqual(page.errors, []);
  } finally {
    await close();
  }
});
