// A small static file server for the demo and the browser tests (Node only). It serves the given
// URL prefixes from folders of the repository, refuses anything outside them, and never lists folders.
import { createServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { readFile, stat } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";

const CONTENT_TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
};

/** Maps a request path to a file inside one mounted folder, or null. */
export function resolvePath(mounts, urlPath) {
  let path;
  try {
    path = decodeURIComponent(urlPath.split("?")[0]);
  } catch {
    return null;
  }
  if (path.includes("\0")) return null;
  if (path.endsWith("/")) path += "index.html";
  for (const [prefix, folder] of Object.entries(mounts)) {
    if (!path.startsWith(prefix)) continue;
    const file = normalize(join(folder, path.slice(prefix.length)));
    if (file === folder || file.startsWith(folder.endsWith(sep) ? folder : folder + sep)) return file;
  }
  return null;
}

/**
 * Starts serving `mounts` ({"/js/": "/abs/js", "/": "/abs/web"}; longest prefix first) on host:port.
 * `handlers` maps exact paths to extra request handlers (req, res). With `tls` ({cert, key}, PEM) it
 * serves HTTPS. Resolves to {url, server, close()}.
 */
export async function startStaticServer({ mounts, host = "127.0.0.1", port = 0, handlers = {}, tls }) {
  const ordered = Object.fromEntries(Object.entries(mounts).sort((a, b) => b[0].length - a[0].length));
  const serve = async (req, res) => {
    const handler = handlers[req.url.split("?")[0]];
    if (handler) return handler(req, res);
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD" }).end();
      return;
    }
    const file = resolvePath(ordered, req.url);
    try {
      if (!file || !(await stat(file)).isFile()) throw new Error("not a file");
      const body = await readFile(file);
      res.writeHead(200, {
        "Content-Type": CONTENT_TYPES[extname(file)] || "application/octet-stream",
        "Content-Length": body.length,
        "Cache-Control": "no-cache",
      });
      res.end(req.method === "HEAD" ? undefined : body);
    } catch {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found\n");
    }
  };
  const server = tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, serve) : createServer(serve);
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  const address = server.address();
  const url = `${tls ? "https" : "http"}://${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`;
  return {
    url,
    server,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
