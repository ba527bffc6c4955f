import { describe, expect, it } from "vitest";
import { SchedulingQueue } from "./queue.js";
import { makePod } from "./test-fixtures.js";

function queue() {
  let now = 1_000_000;
  const q = new SchedulingQueue({ now: () => now, flushIntervalMs: 60_000, maxUnschedulableMs: 30_000 });
  return { q, advance: (ms: number) => (now += ms) };
}

describe("SchedulingQueue", () => {
  it("pops in FIFO order and de-duplicates", async () => {
    const { q } = queue();
    q.add("default/a", makePod("a"));
    q.add("default/b", makePod("b"));
    q.add("default/a", makePod("a"));
    expect((await q.pop())?.key).toBe("default/a");
    expect((await q.pop())?.key).toBe("default/b");
    expect(q.stats.active).toBe(0);
    q.close();
  });

  it("does not re-add a pod while it is in flight", async () => {
    const { q } = queue();
    q.add("default/a", makePod("a"));
    const qp = (await q.pop())!;
    q.add("default/a", makePod("a"));
    expect(q.stats.active).toBe(0);
    q.done(qp.key);
    q.add("default/a", makePod("a"));
    expect(q.stats.active).toBe(1);
    q.close();
  });

  it("backs off exponentially from 1s to 10s", () => {
    const { q } = queue();
    expect([1, 2, 3, 4, 5, 6].map((a) => q.backoffMs(a))).toEqual([1000, 2000, 4000, 8000, 10_000, 10_000]);
    q.close();
  });

  it("parks unschedulable pods until a cluster event, then honours the back-off", async () => {
    const { q, advance } = queue();
    q.add("default/a", makePod("a"));
    const qp = (await q.pop())!;
    q.addUnschedulable(qp);
    expect(q.stats).toMatchObject({ unschedulable: 1, active: 0, inFlight: 0 });
    advance(5000);
    q.flush();
    expect(q.stats.unschedulable).toBe(1); // time alone does not retry it (before maxUnschedulableMs)
    q.moveAllToActive();
    expect(q.stats).toMatchObject({ unschedulable: 0, active: 1 });
    const again = (await q.pop())!;
    expect(again.attempts).toBe(2);
    q.addUnschedulable(again);
    q.moveAllToActive();
    expect(q.stats.backoff).toBe(1); // second failure: 2s back-off not over yet
    advance(2000);
    q.flush();
    expect(q.stats.active).toBe(1);
    q.close();
  });

  it("retries parked pods after maxUnschedulableMs", async () => {
    const { q, advance } = queue();
    q.add("default/a", makePod("a"));
    q.addUnschedulable((await q.pop())!);
    advance(30_000);
    q.flush();
    expect(q.stats.active).toBe(1);
    q.close();
  });

  it("retries a parked pod whose spec changed, not one whose status changed", async () => {
    const { q, advance } = queue();
    const pod = makePod("a");
    q.add("default/a", pod);
    q.addUnschedulable((await q.pop())!);
    advance(1000);
    q.update("default/a", pod, { ...pod, status: { conditions: [{ type: "PodScheduled", status: "False" }] } });
    expect(q.stats.unschedulable).toBe(1);
    q.update("default/a", pod, { ...pod, spec: { ...pod.spec!, nodeSelector: { a: "b" } } });
    expect(q.stats.active).toBe(1);
    q.close();
  });

  it("forgets deleted pods and wakes a waiting pop on add", async () => {
    const { q } = queue();
    q.add("default/a", makePod("a"));
    q.delete("default/a");
    const waiting = q.pop();
    q.add("default/b", makePod("b"));
    expect((await waiting)?.key).toBe("default/b");
    const ended = q.pop();
    q.close();
    expect(await ended).toBeUndefined();
  });
});
