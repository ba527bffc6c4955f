/** kube-proxy as a process in the lab's node namespace, and its /healthz figures. */
import { appendFileSync } from "node:fs";
import type { LabProcess, NetnsLab } from "../../test/integration/kube-proxy/netns-lab.js";

/** What kube-proxy's /healthz reports. */
export interface ProxyHealth {
  mode: string;
  lastSyncedServices: number;
  lastSyncedEndpoints: number;
  lastSyncAt: number;
  lastAppliedAt: number;
  lastSyncMs: number;
  lastApplied: Record<string, number>;
  syncs: number;
  applies: number;
}

/** KATES_BENCH_NET_PROXY_LOG=info (and KATES_BENCH_NET_PROXY_LOG_FILE) keeps kube-proxy's per-sync log lines for a look afterwards. */
const LOG_LEVEL = process.env.KATES_BENCH_NET_PROXY_LOG ?? "warn";
const LOG_FILE = process.env.KATES_BENCH_NET_PROXY_LOG_FILE;

export class BenchProxy {
  proc?: LabProcess;

  constructor(
    private readonly lab: NetnsLab,
    private readonly apiUrl: string,
    private readonly nodeName: string,
    /** packages/kube-proxy/dist/main.js */
    private readonly main: string,
  ) {}

  /** Starts kube-proxy with the daemon's default flags (plus `extra`); returns the wall-clock start time. */
  start(...extra: string[]): number {
    const t = Date.now();
    this.proc = this.lab.spawnIn(this.lab.node, [process.execPath, this.main, "--server", this.apiUrl, "--hostname-override", this.nodeName, "--log-level", LOG_LEVEL, ...extra]);
    return t;
  }

  async stop(): Promise<void> {
    await this.proc?.stop("SIGTERM");
    if (LOG_FILE && this.proc) appendFileSync(LOG_FILE, this.proc.output.toString());
    this.proc = undefined;
  }

  /** Runs `--cleanup` to completion. */
  async cleanup(): Promise<void> {
    const c = this.lab.spawnIn(this.lab.node, [process.execPath, this.main, "--cleanup", "--log-level", "warn"]);
    await new Promise((r) => c.child.once("exit", r));
    if (c.child.exitCode !== 0) throw new Error(`kube-proxy --cleanup failed:\n${c.output.toString()}`);
  }

  async health(): Promise<ProxyHealth | undefined> {
    try {
      const res = await fetch(`http://${this.lab.nodeIP}:10256/healthz`, { signal: AbortSignal.timeout(1000) });
      return (await res.json()) as ProxyHealth;
    } catch {
      return undefined;
    }
  }

  /** Polls /healthz every `everyMs` until `ok`; throws after `timeoutMs`. */
  async until(ok: (h: ProxyHealth) => boolean, timeoutMs: number, what: string, everyMs = 10): Promise<ProxyHealth> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const h = await this.health();
      if (h && ok(h)) return h;
      if (Date.now() > deadline) throw new Error(`kube-proxy: timed out waiting for ${what}; last /healthz ${JSON.stringify(h)}\n${this.proc?.output.toString().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }
}
