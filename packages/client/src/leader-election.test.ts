import { describe, it, expect, beforeEach, afterEach } from "vitest";
import type { Lease } from "@kates/api";
import { FakeApiServer } from "./fake-apiserver.js";
import { LeaderElector, formatMicroTime, parseMicroTime, type LeaderElectorOptions } from "./leader-election.js";
import { RestClient } from "./rest-client.js";

const LEASES = "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases";

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A candidate that records when it leads, so the test can check leaderships never overlap. */
function candidate(rest: RestClient, identity: string, timeline: string[], extra: Partial<LeaderElectorOptions> = {}) {
  const ac = new AbortController();
  const seenLeaders: string[] = [];
  const elector = new LeaderElector({ client: rest, name: "ctrl", identity, leaseDurationMs: 1000, renewDeadlineMs: 600, retryPeriodMs: 40, ...extra });
  const done = elector.run(
    {
      onStartedLeading: (signal) => {
        timeline.push(`+${identity}`);
        signal.addEventListener("abort", () => timeline.push(`-${identity}`));
      },
      onStoppedLeading: () => timeline.push(`stopped ${identity}`),
      onNewLeader: (id) => seenLeaders.push(id),
    },
    ac.signal,
  );
  return { elector, ac, done, seenLeaders };
}

/** Checks that "+x" is always closed by "-x" before another "+y". */
function assertNoOverlap(timeline: string[]): void {
  let current: string | undefined;
  for (const e of timeline) {
    if (e.startsWith("+")) {
      expect(current, `overlap in ${timeline.join(",")}`).toBeUndefined();
      current = e.slice(1);
    } else if (e.startsWith("-")) {
      expect(e.slice(1)).toBe(current);
      current = undefined;
    }
  }
}

describe("MicroTime", () => {
  it("formats with microseconds and parses back", () => {
    const ms = Date.UTC(2026, 10, 22, 6, 21, 27, 123);
    expect(formatMicroTime(ms)).toBe("2026-11-22T06:21:27.123000Z");
    expect(parseMicroTime("2026-11-22T06:21:27.123456Z")).toBeCloseTo(ms + 0.456, 6);
    expect(parseMicroTime("2026-11-22T06:21:27Z")).toBe(ms - 123);
    expect(parseMicroTime("2026-11-22T08:21:27.5+02:00")).toBe(ms - 123 + 500);
    expect(parseMicroTime("yesterday")).toBeUndefined();
  });
});

describe("LeaderElector", () => {
  let fake: FakeApiServer;
  let rest: RestClient;
  const timeline: string[] = [];
  const lease = () => fake.getObject(LEASES, "kube-system", "ctrl") as Lease | undefined;

  beforeEach(async () => {
    fake = new FakeApiServer();
    rest = new RestClient({ server: await fake.start() });
    timeline.length = 0;
  });
  afterEach(async () => {
    rest.close();
    await fake.stop();
  });

  it("elects exactly one of two racing candidates and hands over at once on graceful stop", async () => {
    // A 2 s lease, so a successor quicker than ~1.5 s can only be due to the release.
    const a = candidate(rest, "a", timeline, { leaseDurationMs: 2000 });
    const b = candidate(rest, "b", timeline, { leaseDurationMs: 2000 });
    await until(() => timeline.length >= 1, "a leader");
    await new Promise((r) => setTimeout(r, 200));
    expect(timeline).toHaveLength(1);
    const [first, second] = timeline[0] === "+a" ? [a, b] : [b, a];
    const firstId = timeline[0].slice(1);
    const secondId = firstId === "a" ? "b" : "a";
    const l1 = lease()!;
    expect(l1.spec?.holderIdentity).toBe(firstId);
    expect(l1.spec?.leaseTransitions).toBe(0);
    expect(l1.spec?.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(second.seenLeaders).toEqual([firstId]);

    const stoppedAt = Date.now();
    first.ac.abort();
    await first.done;
    await until(() => timeline.includes(`+${secondId}`), "successor");
    // Released, so the successor did not wait out the 2 s lease.
    expect(Date.now() - stoppedAt).toBeLessThan(1500);
    expect(timeline.slice(0, 3)).toEqual([`+${firstId}`, `-${firstId}`, `stopped ${firstId}`]);
    expect(lease()!.spec?.holderIdentity).toBe(secondId);
    expect(lease()!.spec?.leaseTransitions).toBe(1);
    expect(second.seenLeaders).toEqual([firstId, secondId]);
    expect(second.elector.isLeader()).toBe(true);
    assertNoOverlap(timeline);
    second.ac.abort();
    await second.done;
    expect(lease()!.spec?.holderIdentity).toBeUndefined();
  });

  it("takes over a crashed leader's lease only after it expires", async () => {
    const a = candidate(rest, "a", timeline, { releaseOnCancel: false });
    await until(() => a.elector.isLeader(), "a leads");
    a.ac.abort();
    await a.done;
    const crashedAt = Date.now();
    const b = candidate(rest, "b", timeline);
    await until(() => b.elector.isLeader(), "b leads");
    // Lease duration is stored as 1 s; b had to wait for renewTime + 1 s.
    expect(Date.now() - crashedAt).toBeGreaterThanOrEqual(800);
    expect(lease()!.spec?.leaseTransitions).toBe(1);
    b.ac.abort();
    await b.done;
  });

  it("steps down when another holder overwrites the lease and renewals fail past the deadline", async () => {
    const a = candidate(rest, "a", timeline);
    await until(() => a.elector.isLeader(), "a leads");
    const cur = lease()!;
    const stolenAt = Date.now();
    // An intruder keeps renewing with a long lease; a's updates now see a valid foreign holder.
    const steal = setInterval(() => {
      const l = lease()!;
      fake.put(LEASES, { ...l, spec: { ...cur.spec, holderIdentity: "intruder", leaseDurationSeconds: 30, renewTime: formatMicroTime(Date.now()) } });
    }, 10);
    try {
      await a.done;
    } finally {
      clearInterval(steal);
    }
    expect(Date.now() - stolenAt).toBeGreaterThanOrEqual(550);
    expect(timeline).toEqual(["+a", "-a", "stopped a"]);
    expect(a.elector.isLeader()).toBe(false);
    expect(a.seenLeaders).toEqual(["a", "intruder"]);
    expect(lease()!.spec?.holderIdentity).toBe("intruder");
  });

  it("rejects inconsistent timings", () => {
    expect(() => new LeaderElector({ client: rest, name: "x", identity: "i", leaseDurationMs: 1000, renewDeadlineMs: 2000 })).toThrow(/leaseDuration > renewDeadline/);
  });
});
