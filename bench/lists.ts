/**
 * List benchmarks: fill a namespace with pods (created concurrently through the apiserver),
 * then time full lists, consistent (from etcd) and `resourceVersion=0` (from the watch cache),
 * next to a raw etcd range of the same keys.
 */
import type { EtcdDirect } from "./etcd-direct.js";
import type { BenchHttpClient } from "./http-client.js";
import { podManifest } from "./pod-manifest.js";
import { now, pool, sequential, summarize, type Summary } from "./stats.js";

export interface ListResults {
  pods: number;
  /** Pods created per second while filling the namespace (64 in flight). */
  fillPerSec: number;
  /** Size of one full list response. */
  responseBytes: number;
  consistent: Summary;
  cached: Summary;
  etcdRange: Summary;
}

/** Creates `count` pods in `namespace` with `inFlight` concurrent POSTs; returns pods/s. */
export async function fillNamespace(api: BenchHttpClient, namespace: string, count: number, inFlight = 64): Promise<number> {
  const t = now();
  await pool(count, inFlight, (i) => api.expect("POST", `/api/v1/namespaces/${namespace}/pods`, podManifest(namespace, `pod-${String(i).padStart(5, "0")}`), 201));
  return count / ((now() - t) / 1000);
}

/** Waits until a `resourceVersion=0` list shows all `count` pods (the cache trails etcd slightly). */
async function waitForCache(api: BenchHttpClient, path: string, count: number): Promise<void> {
  const deadline = now() + 10_000;
  for (;;) {
    const list = JSON.parse((await api.expect("GET", `${path}?resourceVersion=0`, undefined, 200)).toString()) as { items: unknown[] };
    if (list.items.length === count) return;
    if (now() > deadline) throw new Error(`watch cache shows ${list.items.length} of ${count} pods at ${path}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Fills `namespace` with `count` pods and times `samples` lists of each kind. */
export async function runList(api: BenchHttpClient, etcd: EtcdDirect, namespace: string, count: number, samples: number): Promise<ListResults> {
  const fillPerSec = await fillNamespace(api, namespace, count);
  const path = `/api/v1/namespaces/${namespace}/pods`;
  const body = await api.expect("GET", path, undefined, 200);
  const got = (JSON.parse(body.toString()) as { items: unknown[] }).items.length;
  if (got !== count) throw new Error(`list ${path}: ${got} items, want ${count}`);
  await waitForCache(api, path, count);
  const consistent = await sequential(samples, () => api.expect("GET", path, undefined, 200), 2);
  const cached = await sequential(samples, () => api.expect("GET", `${path}?resourceVersion=0`, undefined, 200), 2);
  const etcdRange = await sequential(samples, async () => {
    const n = await etcd.range(`/registry/pods/${namespace}/`);
    if (n !== count) throw new Error(`etcd range: ${n} keys, want ${count}`);
  }, 2);
  return { pods: count, fillPerSec, responseBytes: body.length, consistent: summarize(consistent), cached: summarize(cached), etcdRange: summarize(etcdRange) };
}
