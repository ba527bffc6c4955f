/**
 * Watch delivery while the apiserver is busy writing: `count` pod creates with `inFlight` in
 * flight, one API watch on the namespace, and side by side an etcd watch on the same keys over
 * a connection of its own (what etcd itself delivers). The delay is from each create's response
 * to the event's arrival (0 when the event beat the response). Informers of every component see
 * what the API watch sees, so this is how stale their caches get under load.
 */
import { Etcd3 } from "etcd3";
import type { BenchHttpClient } from "./http-client.js";
import { podManifest } from "./pod-manifest.js";
import { now, summarize, type Summary } from "./stats.js";
import { WatcherSet } from "./watchers.js";

export interface WatchUnderLoadResults {
  creates: number;
  inFlight: number;
  createsPerSec: number;
  /** API watch: delay after the create's response. */
  api: Summary;
  /** etcd watch on its own connection, same keys. */
  etcd: Summary;
  missed: number;
}

export async function runWatchUnderLoad(api: BenchHttpClient, baseUrl: string, etcdEndpoints: string[], namespace: string, count: number, inFlight: number): Promise<WatchUnderLoadResults> {
  const base = `/api/v1/namespaces/${namespace}/pods`;
  const answered = new Map<number, number>();
  const apiSeen = new Map<number, number>();
  const etcdSeen = new Map<number, number>();
  const watchers = new WatcherSet();
  const etcd = new Etcd3({ hosts: etcdEndpoints, dialTimeout: 5000, grpcOptions: { "grpc.use_local_subchannel_pool": 1 } });
  try {
    await watchers.open(baseUrl, `${base}?watch=true`, 1, (_w, seq, t) => void (apiSeen.has(seq) || apiSeen.set(seq, t)));
    const ew = await etcd.watch().prefix(`/registry/pods/${namespace}/`).create();
    ew.on("put", (kv) => {
      const t = now();
      const seq = Number(/bench-load-(\d+)$/.exec(kv.key.toString())?.[1]);
      if (seq > 0 && !etcdSeen.has(seq)) etcdSeen.set(seq, t);
    });
    // Headers are flushed before the server subscribes to its cache; give it a moment.
    await new Promise((r) => setTimeout(r, 300));
    let next = 1;
    const t0 = now();
    await Promise.all(Array.from({ length: inFlight }, async () => {
      while (next <= count) {
        const seq = next++;
        await api.expect("POST", base, podManifest(namespace, `bench-load-${seq}`, seq), 201);
        answered.set(seq, now());
      }
    }));
    const createsPerSec = count / ((now() - t0) / 1000);
    const deadline = now() + 10_000;
    while ((apiSeen.size < count || etcdSeen.size < count) && now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const delays = (seen: Map<number, number>) => [...answered].filter(([seq]) => seen.has(seq)).map(([seq, t]) => Math.max(0, seen.get(seq)! - t));
    await ew.cancel();
    return { creates: count, inFlight, createsPerSec, api: summarize(delays(apiSeen)), etcd: summarize(delays(etcdSeen)), missed: count - apiSeen.size };
  } finally {
    watchers.close();
    etcd.close();
  }
}
