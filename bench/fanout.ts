/**
 * Watch fan-out: W watchers on one namespace's pods, then K sequential updates of one pod.
 * The delay is from the moment the PUT's response arrived to the moment each watcher had
 * the event (0 when the event beat the response), and also from the moment the PUT was sent.
 */
import type { BenchHttpClient } from "./http-client.js";
import { podManifest, type PodManifest } from "./pod-manifest.js";
import { now, summarize, type Summary } from "./stats.js";
import { WatcherSet } from "./watchers.js";

export interface FanoutResults {
  watchers: number;
  updates: number;
  /** Delay after the write's response. */
  fromResponse: Summary;
  /** Delay after the write was sent (includes the write itself). */
  fromSend: Summary;
  /** Deliveries that never arrived within the per-update timeout. */
  missed: number;
}

/** Runs the fan-out test in `namespace` (which must exist). */
export async function runFanout(api: BenchHttpClient, baseUrl: string, namespace: string, watcherCount: number, updates: number): Promise<FanoutResults> {
  const base = `/api/v1/namespaces/${namespace}/pods`;
  let pod = await api.json<PodManifest>("POST", base, podManifest(namespace, "fanout"), 201);
  const received = new Map<number, number[]>();
  let waiting: { seq: number; resolve: () => void } | undefined;
  const watchers = new WatcherSet();
  try {
    await watchers.open(baseUrl, `${base}?watch=true&resourceVersion=${pod.metadata.resourceVersion}`, watcherCount, (_w, seq, t) => {
      const times = received.get(seq) ?? [];
      times.push(t);
      received.set(seq, times);
      if (waiting && waiting.seq === seq && times.length === watcherCount) waiting.resolve();
    });
    // Headers are flushed before the server subscribes to its cache; give it a moment.
    await new Promise((r) => setTimeout(r, 300));
    const fromResponse: number[] = [];
    const fromSend: number[] = [];
    let missed = 0;
    for (let seq = 1; seq <= updates; seq++) {
      const all = new Promise<void>((resolve) => (waiting = { seq, resolve }));
      const next = { ...pod, metadata: { ...pod.metadata, annotations: { ...pod.metadata.annotations, "bench.kates.io/seq": String(seq) } } };
      const sent = now();
      pod = await api.json<PodManifest>("PUT", `${base}/fanout`, next, 200);
      const answered = now();
      if ((received.get(seq)?.length ?? 0) < watcherCount) {
        await Promise.race([all, new Promise((r) => setTimeout(r, 2000))]);
      }
      const times = received.get(seq) ?? [];
      missed += watcherCount - times.length;
      for (const t of times) {
        fromResponse.push(Math.max(0, t - answered));
        fromSend.push(t - sent);
      }
    }
    return { watchers: watcherCount, updates, fromResponse: summarize(fromResponse), fromSend: summarize(fromSend), missed };
  } finally {
    watchers.close();
  }
}
