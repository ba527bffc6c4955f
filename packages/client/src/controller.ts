/**
 * The reconcile loop every kates controller shares (see shared style notes, "reconcile-loop shape"):
 *
 * 1. Constructor: take informers, the client and a logger; register handlers that only compute
 *    a key (`objectKey(obj)`, or the owner's key from a controller ownerReference) and `queue.add` it.
 * 2. `run(signal, workers)`: `await waitForCacheSync(signal, ...informers)`, then
 *    `await runWorkers(queue, workers, (key) => this.sync(key), signal, log)`.
 * 3. `processNextWorkItem`: get → sync → forget on success, addRateLimited on error → done.
 * 4. `sync(key)`: read from the lister; if gone, clean up and return; otherwise compare desired
 *    with actual and act through the client (structuredClone before changing cached objects).
 *    Throw to retry; log and return for problems a retry cannot fix.
 */
import type { KObject } from "@kates/api";
import type { Informer } from "./informer.js";
import { noopLogger, type Logger } from "./logger.js";
import type { WorkQueue } from "./work-queue.js";

/**
 * Takes one key, syncs it and settles it in the queue; false once the queue is shut down.
 * Errors never escape: they are logged and the key is retried with backoff.
 */
export async function processNextWorkItem<K>(queue: WorkQueue<K>, sync: (key: K) => Promise<void>, logger: Logger = noopLogger): Promise<boolean> {
  const key = await queue.get();
  if (key === undefined) return false;
  try {
    await sync(key);
    queue.forget(key);
  } catch (err) {
    logger.warn({ err, key, requeues: queue.numRequeues(key) }, "sync failed, requeuing");
    queue.addRateLimited(key);
  } finally {
    queue.done(key);
  }
  return true;
}

/**
 * Runs `workers` loops of processNextWorkItem until `signal` aborts, then shuts the queue
 * down and resolves once every worker has finished its current key.
 * @example
 * await runWorkers(this.queue, 2, (key) => this.syncReplicaSet(key), signal, this.log);
 */
export async function runWorkers<K>(
  queue: WorkQueue<K>,
  workers: number,
  sync: (key: K) => Promise<void>,
  signal: AbortSignal,
  logger: Logger = noopLogger,
): Promise<void> {
  const stop = () => queue.shutDown();
  if (signal.aborted) stop();
  else signal.addEventListener("abort", stop, { once: true });
  const loop = async () => {
    while (await processNextWorkItem(queue, sync, logger));
  };
  await Promise.all(Array.from({ length: Math.max(1, workers) }, loop));
  signal.removeEventListener("abort", stop);
}

/** Waits until every informer has synced; false if `signal` aborted first. */
export async function waitForCacheSync(signal: AbortSignal, ...informers: Pick<Informer<KObject>, "waitForSync">[]): Promise<boolean> {
  const results = await Promise.all(informers.map((i) => i.waitForSync(signal)));
  return results.every(Boolean);
}
