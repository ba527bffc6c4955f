import { describe, it, expect } from "vitest";
import { ItemExponentialRateLimiter } from "./rate-limiter.js";
import { WorkQueue } from "./work-queue.js";
import { runWorkers, waitForCacheSync } from "./controller.js";

describe("runWorkers", () => {
  it("syncs keys, retries failures with backoff, never runs one key twice at once, and drains on abort", async () => {
    const queue = new WorkQueue<string>({ rateLimiter: new ItemExponentialRateLimiter(1, 10) });
    const ac = new AbortController();
    const active = new Set<string>();
    const calls: string[] = [];
    let failuresLeft = 2;
    let overlap = false;
    const sync = async (key: string) => {
      if (active.has(key)) overlap = true;
      active.add(key);
      calls.push(key);
      await new Promise((r) => setTimeout(r, 5));
      active.delete(key);
      if (key === "flaky" && failuresLeft-- > 0) throw new Error("transient");
    };
    const warnings: unknown[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (o: object) => warnings.push(o) };
    const done = runWorkers(queue, 3, sync, ac.signal, logger);
    for (const k of ["a", "b", "flaky", "a", "a"]) queue.add(k);
    await new Promise((r) => setTimeout(r, 2));
    queue.add("a"); // re-added while being processed: must run again, after the first run.
    await new Promise((r) => setTimeout(r, 150));
    ac.abort();
    await done;
    expect(overlap).toBe(false);
    expect(calls.filter((k) => k === "flaky")).toHaveLength(3);
    expect(calls.filter((k) => k === "a")).toHaveLength(2);
    expect(calls.filter((k) => k === "b")).toHaveLength(1);
    expect(queue.numRequeues("flaky")).toBe(0);
    expect(warnings).toHaveLength(2);
    expect(queue.isShuttingDown()).toBe(true);
  });

  it("waitForCacheSync reports false when aborted before every informer synced", async () => {
    const ac = new AbortController();
    const synced = { waitForSync: async () => true };
    const never = { waitForSync: (s?: AbortSignal) => new Promise<boolean>((r) => s?.addEventListener("abort", () => r(false))) };
    expect(await waitForCacheSync(ac.signal, synced, synced)).toBe(true);
    const p = waitForCacheSync(ac.signal, synced, never);
    ac.abort();
    expect(await p).toBe(false);
  });
});
