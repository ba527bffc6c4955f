/**
 * Create, get and update through the apiserver against the same operations directly on
 * etcd: sequential calls for latency, then N workers in flight for throughput.
 */
import type { EtcdDirect } from "./etcd-direct.js";
import type { BenchHttpClient } from "./http-client.js";
import { podManifest, type PodManifest } from "./pod-manifest.js";
import { concurrent, sequential, summarize, type Summary, type Throughput } from "./stats.js";

/** Sizes of the CRUD phase. */
export interface CrudOptions {
  namespace: string;
  /** Sequential calls per operation. */
  samples: number;
  warmup: number;
  /** Workers in flight for throughput. */
  concurrency: number;
  /** Length of each throughput run. */
  durationMs: number;
}

/** Latency and throughput of one operation on both sides. */
export interface OpResult {
  api: Summary;
  etcd: Summary;
  apiTput: Throughput;
  etcdTput: Throughput;
}

export interface CrudResults {
  create: OpResult;
  get: OpResult;
  update: OpResult;
  /** Bytes of the pod as the apiserver stored it (the etcd side writes the same bytes). */
  objectBytes: number;
}

/** Runs the CRUD comparison. */
export async function runCrud(api: BenchHttpClient, etcd: EtcdDirect, o: CrudOptions): Promise<CrudResults> {
  const base = `/api/v1/namespaces/${o.namespace}/pods`;
  const latest = new Map<string, PodManifest>();
  const create = async (name: string) => {
    const obj = await api.json<PodManifest>("POST", base, podManifest(o.namespace, name), 201);
    latest.set(name, obj);
  };
  const update = async (name: string, seq: number) => {
    const cur = latest.get(name)!;
    const next = { ...cur, metadata: { ...cur.metadata, annotations: { ...cur.metadata.annotations, "bench.kates.io/seq": String(seq) } } };
    latest.set(name, await api.json<PodManifest>("PUT", `${base}/${name}`, next, 200));
  };

  // The etcd side writes what the apiserver stores for such a pod, so both move the same bytes.
  await create("template");
  const stored = Buffer.from(JSON.stringify(latest.get("template")));
  const etcdValue = (seq: number) => Buffer.concat([stored, Buffer.from(" ".repeat(Math.abs(seq) % 7))]);

  const name = (i: number) => (i < 0 ? `warm-${-i}` : `lat-${i}`);
  const apiCreate = await sequential(o.samples, (i) => create(name(i)), o.warmup);
  const etcdPut = await sequential(o.samples, (i) => etcd.put(name(i), etcdValue(i)), o.warmup);
  const apiGet = await sequential(o.samples, (i) => api.expect("GET", `${base}/${name(i < 0 ? i : i % o.samples)}`, undefined, 200), o.warmup);
  const etcdGet = await sequential(o.samples, (i) => etcd.get(name(i < 0 ? i : i % o.samples)), o.warmup);
  const apiUpdate = await sequential(o.samples, (i) => update(name(i), i + 2), o.warmup);
  const etcdUpdate = await sequential(o.samples, (i) => etcd.guardedUpdate(name(i), etcdValue(i + 2)), o.warmup);

  const c = o.concurrency;
  const apiCreateT = await concurrent(c, o.durationMs, (w, n) => create(`tp-${w}-${n}`));
  const etcdPutT = await concurrent(c, o.durationMs, (w, n) => etcd.put(`tp-${w}-${n}`, etcdValue(n)));
  const apiGetT = await concurrent(c, o.durationMs, (w, n) => api.expect("GET", `${base}/${name((w * 31 + n) % o.samples)}`, undefined, 200));
  const etcdGetT = await concurrent(c, o.durationMs, (w, n) => etcd.get(name((w * 31 + n) % o.samples)));
  // Each worker updates its own pod: this measures throughput, not conflict retries.
  const apiUpdateT = await concurrent(c, o.durationMs, (w, n) => update(name(w), 1000 + n));
  const etcdUpdateT = await concurrent(c, o.durationMs, (w, n) => etcd.guardedUpdate(name(w), etcdValue(n)));

  return {
    create: { api: summarize(apiCreate), etcd: summarize(etcdPut), apiTput: apiCreateT, etcdTput: etcdPutT },
    get: { api: summarize(apiGet), etcd: summarize(etcdGet), apiTput: apiGetT, etcdTput: etcdGetT },
    update: { api: summarize(apiUpdate), etcd: summarize(etcdUpdate), apiTput: apiUpdateT, etcdTput: etcdUpdateT },
    objectBytes: stored.length,
  };
}
