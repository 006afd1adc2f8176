// Locations shared by the node tests.
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");
export const NATIVE_BUILD = `${ROOT}/build/native`;
export const WASM_FILE = `${ROOT}/dist/petrichor.wasm`;
