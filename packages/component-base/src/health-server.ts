/**
 * A small HTTP server for a daemon's /healthz, /readyz and /metrics (and anything the
 * daemon mounts on it). Health checks are functions that throw when unhealthy.
 */
import http from "node:http";

export type Check = () => void | Promise<void>;

export interface HealthServerOptions {
  host: string;
  port: number;
  /** Checks behind /healthz and /livez. */
  liveness?: Record<string, Check>;
  /** Checks behind /readyz (liveness checks are included). */
  readiness?: Record<string, Check>;
  /** Extra routes: path -> handler. */
  routes?: Record<string, http.RequestListener>;
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

async function runChecks(checks: Record<string, Check>): Promise<string[]> {
  const failed: string[] = [];
  for (const [name, check] of Object.entries(checks)) {
    try {
      await check();
    } catch (err) {
      failed.push(`[-]${name} failed: ${(err as Error).message}`);
    }
  }
  return failed;
}

export async function startHealthServer(opts: HealthServerOptions): Promise<HealthServer> {
  const server = http.createServer(async (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const route = opts.routes?.[path];
    if (route) return route(req, res);
    const checks = path === "/readyz" ? { ...opts.liveness, ...opts.readiness } : path === "/healthz" || path === "/livez" ? { ...opts.liveness } : undefined;
    if (!checks) {
      res.writeHead(404, { "content-type": "text/plain" }).end("404 page not found\n");
      return;
    }
    const failed = await runChecks(checks);
    res.writeHead(failed.length ? 503 : 200, { "content-type": "text/plain" });
    res.end(failed.length ? `${failed.join("\n")}\n${path.slice(1)} check failed\n` : "ok");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const addr = server.address();
  return {
    port: typeof addr === "object" && addr ? addr.port : opts.port,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
