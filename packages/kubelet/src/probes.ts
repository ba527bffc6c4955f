/**
 * Liveness, readiness and startup probes: one loop per (pod, container, probe kind) while
 * the container runs, with Kubernetes' initialDelay/period/timeout/success/failure
 * thresholds. Results change only after a threshold is crossed; each change calls onChange
 * so the pod worker re-syncs (restarting on liveness failure, flipping Ready on readiness).
 */
import { connect } from "node:net";
import type { Container, Pod, Probe } from "@kates/api";
import type { RuntimeService } from "./cri/runtime-client.js";

export type ProbeKind = "liveness" | "readiness" | "startup";

/** Runs one probe attempt; resolves to success and a message for the Unhealthy event. */
export type ProbeRunner = (probe: Probe, pod: Pod, c: Container, containerId: string, podIP: string) => Promise<{ ok: boolean; message: string }>;

function resolvePort(port: number | string, c: Container): number {
  if (typeof port === "number") return port;
  const named = c.ports?.find((p) => p.name === port)?.containerPort;
  return named ?? Number(port);
}

/** The real probe runner: HTTP GET against the pod IP, TCP connect, or ExecSync in the container. */
export function defaultProbeRunner(runtime: RuntimeService): ProbeRunner {
  return async (probe, _pod, c, containerId, podIP) => {
    const timeoutMs = (probe.timeoutSeconds || 1) * 1000;
    try {
      if (probe.exec) {
        const res = await runtime.execSync(containerId, probe.exec.command ?? [], probe.timeoutSeconds || 1);
        return { ok: res.exit_code === 0, message: `command ${JSON.stringify((probe.exec.command ?? []).join(" "))} exited with ${res.exit_code}: ${Buffer.from(res.stdout ?? "").toString()}${Buffer.from(res.stderr ?? "").toString()}`.trim() };
      }
      if (probe.httpGet) {
        const g = probe.httpGet;
        const url = `${(g.scheme ?? "HTTP").toLowerCase()}://${g.host || podIP}:${resolvePort(g.port, c)}${g.path?.startsWith("/") ? g.path : `/${g.path ?? ""}`}`;
        const headers = Object.fromEntries((g.httpHeaders ?? []).map((h) => [h.name, h.value]));
        const res = await fetch(url, { headers: { "User-Agent": "kube-probe/1.32", ...headers }, signal: AbortSignal.timeout(timeoutMs), redirect: "manual" });
        await res.arrayBuffer().catch(() => undefined);
        const ok = res.status >= 200 && res.status < 400;
        return { ok, message: ok ? "" : `HTTP probe failed with statuscode: ${res.status}` };
      }
      if (probe.tcpSocket) {
        const port = resolvePort(probe.tcpSocket.port, c);
        const host = probe.tcpSocket.host || podIP;
        await new Promise<void>((resolve, reject) => {
          const s = connect({ host, port, timeout: timeoutMs });
          s.once("connect", () => {
            s.destroy();
            resolve();
          });
          s.once("timeout", () => {
            s.destroy();
            reject(new Error(`dial tcp ${host}:${port}: i/o timeout`));
          });
          s.once("error", reject);
        });
        return { ok: true, message: "" };
      }
      return { ok: true, message: "" };
    } catch (err) {
      const e = err as Error;
      return { ok: false, message: probe.httpGet ? `Get "${probe.httpGet.path ?? "/"}": ${e.message}` : e.message };
    }
  };
}

interface Worker {
  containerId: string;
  timer?: NodeJS.Timeout;
  successes: number;
  failures: number;
  result?: boolean;
  stopped: boolean;
}

/** Probe state for every running container of the node. */
export class ProbeManager {
  private readonly workers = new Map<string, Worker>();

  constructor(
    private readonly run: ProbeRunner,
    /** Called when a result changes (and on each failed liveness/startup attempt past the threshold). */
    private readonly onChange: (uid: string, container: string, kind: ProbeKind, ok: boolean, message: string) => void,
    private readonly onFailure: (pod: Pod, container: string, kind: ProbeKind, message: string) => void,
  ) {}

  private key(uid: string, name: string, kind: ProbeKind): string {
    return `${uid}/${name}/${kind}`;
  }

  /** The current result; undefined before the first threshold crossing. */
  result(uid: string, name: string, kind: ProbeKind): boolean | undefined {
    return this.workers.get(this.key(uid, name, kind))?.result;
  }

  /** Makes sure probes run for this running container instance (restarting them for a new instance). */
  ensure(pod: Pod, c: Container, containerId: string, podIP: string, startedAt: number): void {
    const uid = pod.metadata.uid ?? "";
    for (const [kind, probe] of [["liveness", c.livenessProbe], ["readiness", c.readinessProbe], ["startup", c.startupProbe]] as const) {
      if (!probe) continue;
      const key = this.key(uid, c.name, kind);
      const w = this.workers.get(key);
      if (w && w.containerId === containerId) continue;
      if (w) this.stopWorker(w);
      const fresh: Worker = { containerId, successes: 0, failures: 0, stopped: false };
      this.workers.set(key, fresh);
      const delay = Math.max(0, (probe.initialDelaySeconds ?? 0) * 1000 - (Date.now() - startedAt));
      fresh.timer = setTimeout(() => void this.tick(fresh, pod, c, kind, probe, podIP), delay);
    }
  }

  private async tick(w: Worker, pod: Pod, c: Container, kind: ProbeKind, probe: Probe, podIP: string): Promise<void> {
    if (w.stopped) return;
    const uid = pod.metadata.uid ?? "";
    // Liveness and readiness wait for the startup probe, as in Kubernetes.
    const startupPending = kind !== "startup" && c.startupProbe && this.result(uid, c.name, "startup") !== true;
    if (!startupPending && !(kind === "startup" && w.result === true)) {
      const { ok, message } = await this.run(probe, pod, c, w.containerId, podIP);
      if (w.stopped) return;
      if (ok) {
        w.failures = 0;
        w.successes++;
        const need = kind === "readiness" ? probe.successThreshold || 1 : 1;
        if (w.successes >= need && w.result !== true) {
          w.result = true;
          this.onChange(uid, c.name, kind, true, "");
        }
      } else {
        w.successes = 0;
        w.failures++;
        this.onFailure(pod, c.name, kind, message);
        if (w.failures >= (probe.failureThreshold || 3) && w.result !== false) {
          w.result = false;
          this.onChange(uid, c.name, kind, false, message);
        }
      }
    }
    if (!w.stopped) w.timer = setTimeout(() => void this.tick(w, pod, c, kind, probe, podIP), (probe.periodSeconds || 10) * 1000);
  }

  private stopWorker(w: Worker): void {
    w.stopped = true;
    clearTimeout(w.timer);
  }

  /** Stops the probes of one container (or of every container of the pod when name is omitted). */
  remove(uid: string, name?: string): void {
    for (const [k, w] of this.workers) {
      if (k.startsWith(`${uid}/${name === undefined ? "" : `${name}/`}`)) {
        this.stopWorker(w);
        this.workers.delete(k);
      }
    }
  }

  stopAll(): void {
    for (const w of this.workers.values()) this.stopWorker(w);
    this.workers.clear();
  }
}
