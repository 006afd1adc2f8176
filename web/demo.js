// The demo page: loads the SDK's core in this browser and shows that it works.
import { createCore, version } from "/js/index.js";
import { SrtpDirection } from "/js/core/core.js";

const show = (id, text, ok = true) => {
  const element = document.getElementById(id);
  element.textContent = text;
  element.className = ok ? "ok" : "failed";
};

show("version", version);
try {
  const started = performance.now();
  const core = await createCore();
  show("core-status", `ready in ${(performance.now() - started).toFixed(1)} ms`);
  const key = core.srtpGenerateKey();
  const sender = core.srtpCreate(key, SrtpDirection.Outbound);
  const receiver = core.srtpCreate(key, SrtpDirection.Inbound);
  const packet = new Uint8Array(1200);
  packet.set([0x80, 96, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4]);
  const restored = core.srtpUnprotect(receiver, core.srtpProtect(sender, packet));
  const ok = restored instanceof Uint8Array && restored.every((byte, i) => byte === packet[i]);
  show("srtp-status", ok ? "passed (AES_CM_128_HMAC_SHA1_80 round trip)" : "failed", ok);
  core.shutdown();
} catch (error) {
  show("core-status", `failed: ${error.message}`, false);
}
