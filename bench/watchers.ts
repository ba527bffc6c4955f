/**
 * Watch fan-out: N concurrent `?watch=true` streams on one apiserver, each on its own TCP
 * connection (as N separate informers would be), parsed line by line like a real client.
 */
import http from "node:http";
import { now } from "./stats.js";

/** An event as a watcher saw it: the pod's sequence annotation and the local receive time. */
export type Seen = (watcher: number, seq: number, receivedAt: number) => void;

/** A set of open watch streams. */
export class WatcherSet {
  private readonly requests: http.ClientRequest[] = [];
  private readonly agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });

  /** Opens `count` watches on `path` and resolves once every stream has sent its headers. */
  async open(baseUrl: string, path: string, count: number, seen: Seen): Promise<void> {
    const u = new URL(path, baseUrl);
    await Promise.all(Array.from({ length: count }, (_, w) => this.openOne(u, w, seen)));
  }

  private openOne(u: URL, w: number, seen: Seen): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = http.get(u, { agent: this.agent, headers: { accept: "application/json", "user-agent": "kates-bench-watch" } }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`watch ${u.pathname}: HTTP ${res.statusCode}`));
        let buf = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          const t = now();
          buf += chunk;
          let nl: number;
          while ((nl = buf.indexOf("\n")) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (!line.trim()) continue;
            const ev = JSON.parse(line) as { type: string; object: { metadata?: { annotations?: Record<string, string> } } };
            const seq = Number(ev.object.metadata?.annotations?.["bench.kates.io/seq"]);
            if ((ev.type === "MODIFIED" || ev.type === "ADDED") && seq > 0) seen(w, seq, t);
          }
        });
        res.on("error", () => {});
        resolve();
      });
      req.on("error", (err) => reject(err));
      this.requests.push(req);
    });
  }

  /** Closes every stream. */
  close(): void {
    for (const r of this.requests) r.destroy();
    this.agent.destroy();
  }
}
