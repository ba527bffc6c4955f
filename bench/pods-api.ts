/**
 * The kates path of `npm run bench:pods`: pods created in the API with spec.nodeName already
 * set (no scheduler in the loop), and the moment each one's status.phase becomes Running as
 * a watch delivers it.
 */
import http from "node:http";
import type { BenchHttpClient } from "./http-client.js";
import { now } from "./stats.js";

interface PodEvent {
  type: string;
  object: { metadata?: { name?: string; resourceVersion?: string }; status?: { phase?: string } };
}

/** A watch on one namespace's pods that records when each pod was first seen Running. */
export class RunningWatch {
  private readonly runningAt = new Map<string, number>();
  private readonly gone = new Set<string>();
  private req?: http.ClientRequest;
  private wake: () => void = () => {};

  /** Opens the watch from `resourceVersion` and resolves once the stream's headers arrived. */
  open(baseUrl: string, namespace: string, resourceVersion: string): Promise<void> {
    const u = new URL(`/api/v1/namespaces/${namespace}/pods?watch=true&resourceVersion=${resourceVersion}`, baseUrl);
    return new Promise((resolve, reject) => {
      this.req = http.get(u, { headers: { accept: "application/json", "user-agent": "kates-bench-pods" } }, (res) => {
        if (res.statusCode !== 200) return reject(new Error(`watch pods: HTTP ${res.statusCode}`));
        let buf = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          const t = now();
          buf += chunk;
          for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (line.trim()) this.seen(JSON.parse(line) as PodEvent, t);
          }
        });
        res.on("error", () => {});
        resolve();
      });
      this.req.on("error", reject);
    });
  }

  private seen(ev: PodEvent, t: number): void {
    const name = ev.object.metadata?.name ?? "";
    if (ev.type === "DELETED") this.gone.add(name);
    else if (ev.object.status?.phase === "Running" && !this.runningAt.has(name)) this.runningAt.set(name, t);
    this.wake();
  }

  /** Resolves when `test` holds, re-checked on every event; rejects after `timeoutMs`. */
  async until(test: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = now() + timeoutMs;
    while (!test()) {
      const left = deadline - now();
      if (left <= 0) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
      await new Promise<void>((r) => {
        const timer = setTimeout(r, Math.min(left, 500));
        this.wake = () => {
          clearTimeout(timer);
          r();
        };
      });
    }
  }

  runningTime(name: string): number | undefined {
    return this.runningAt.get(name);
  }

  isGone(name: string): boolean {
    return this.gone.has(name);
  }

  close(): void {
    this.req?.destroy();
  }
}

/** A one-container pod bound to `node`: the same busybox command as the raw path. */
export function benchPod(name: string, node: string): unknown {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { app: "bench-pods" } },
    spec: {
      nodeName: node,
      terminationGracePeriodSeconds: 0,
      containers: [{ name: "app", image: "busybox", imagePullPolicy: "IfNotPresent", command: ["sleep", "3600"] }],
    },
  };
}

/**
 * Creates `count` pods at once and returns each one's time from its POST being sent to the
 * watch showing it Running; then deletes them (grace 0) and waits until they are gone, so
 * the next batch starts on an empty node. `whileRunning` runs once all of them are Running.
 */
export async function podBatch(
  api: BenchHttpClient, watch: RunningWatch, namespace: string, node: string, prefix: string, count: number, timeoutMs: number,
  whileRunning?: () => Promise<void>,
): Promise<number[]> {
  const base = `/api/v1/namespaces/${namespace}/pods`;
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
  const sentAt = new Map<string, number>();
  try {
    await Promise.all(names.map(async (n) => {
      sentAt.set(n, now());
      await api.expect("POST", base, benchPod(n, node), 201);
    }));
    await watch.until(() => names.every((n) => watch.runningTime(n) !== undefined), timeoutMs, `${count} pods Running`);
    await whileRunning?.();
    return names.map((n) => watch.runningTime(n)! - sentAt.get(n)!);
  } finally {
    await Promise.all(names.map((n) => api.request("DELETE", `${base}/${n}`, { kind: "DeleteOptions", apiVersion: "v1", gracePeriodSeconds: 0 })));
    await watch.until(() => names.every((n) => watch.isGone(n)), 60_000, `${count} pods deleted`).catch(() => undefined);
  }
}
