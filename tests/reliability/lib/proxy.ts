// A loopback TCP proxy that a test can cut and restore: stands between a node and its chain's RPC, so that "the RPC
// went away" is a real refused connection (and dropped open ones), not a mock.
import { createServer, connect, type Server, type Socket } from "node:net";

export interface CuttableProxy {
  url: string;
  /** Drops every open connection and refuses new ones until restore(). */
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startProxy(o: { listenPort: number; targetPort: number }): Promise<CuttableProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = connect(o.targetPort, "127.0.0.1");
        for (const sock of [client, upstream]) {
          sockets.add(sock);
          sock.on("close", () => sockets.delete(sock));
          sock.on("error", () => (client.destroy(), upstream.destroy()));
        }
        client.pipe(upstream).pipe(client);
      });
      s.once("error", reject);
      s.listen(o.listenPort, "127.0.0.1", () => resolve());
      server = s;
    });
  const stop = async () => {
    const s = server;
    server = undefined;
    for (const sock of sockets) sock.destroy();
    sockets.clear();
    if (s) await new Promise((r) => s.close(r));
  };
  await listen();
  return { url: `http://127.0.0.1:${o.listenPort}`, cut: stop, restore: listen, close: stop };
}
