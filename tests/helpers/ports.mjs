// Free ports on loopback for servers a test starts as child processes.
import { createServer } from "node:net";

/** A free TCP port on loopback (closed again, so that the child can take it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}
