// Uses every public API so that `tsc` checks index.d.ts against real code (tests/node/types.test.mjs).
import { createCore, version, type Core, type CoreOutput } from "petrichor";
import { SrtpDirection, OutputKind } from "petrichor/core";

async function main(): Promise<void> {
  const v: string = version;
  const core: Core = await createCore({ maxObjects: 16, helloTimeoutMs: 1000 });
  const handle: number = core.connectionOpen({ apiKey: "k", externalId: v }, 0);
  const outputs: CoreOutput[] = core.drain();
  const first = outputs.find((o) => o.kind === OutputKind.Send);
  core.connectionReceive(handle, first?.payload ?? new Uint8Array(), 1);
  const key: Uint8Array = core.srtpGenerateKey();
  const srtp = core.srtpCreate(key, SrtpDirection.Outbound);
  const result: Uint8Array | number = core.srtpProtect(srtp, new Uint8Array(20));
  if (typeof result === "number") core.errorName(result);
  core.shutdown();
}

void main();
