import { describe, expect, it } from "vitest";
import { Algorithm, numFeasibleNodesToFind } from "./algorithm.js";
import { DEFAULT_FILTERS, DEFAULT_SCORES } from "./plugins/index.js";
import { SchedulerCache } from "./scheduler-cache.js";
import { info, makeNode, makePod } from "./test-fixtures.js";

function cluster(...nodes: ReturnType<typeof makeNode>[]) {
  const cache = new SchedulerCache();
  for (const n of nodes) cache.addOrUpdateNode(n);
  return { cache, algo: new Algorithm(cache, DEFAULT_FILTERS, DEFAULT_SCORES) };
}

describe("numFeasibleNodesToFind", () => {
  it("follows kube-scheduler's adaptive percentage with a floor of 100 nodes", () => {
    expect(numFeasibleNodesToFind(50)).toBe(50);
    expect(numFeasibleNodesToFind(150)).toBe(100);
    expect(numFeasibleNodesToFind(1000)).toBe(420);
    expect(numFeasibleNodesToFind(5000)).toBe(500);
    expect(numFeasibleNodesToFind(1000, 100)).toBe(1000);
    expect(numFeasibleNodesToFind(1000, 10)).toBe(100);
  });
});

describe("Algorithm", () => {
  it("places a big pod on the only node with room", () => {
    const { algo } = cluster(makeNode("small", { cpu: "1" }), makeNode("big", { cpu: "8" }));
    expect(algo.schedule(info(makePod("p", { cpu: "3" })))).toMatchObject({ ok: true, nodeName: "big" });
  });

  it("counts assumed pods, so a burst fills nodes evenly", () => {
    const { cache, algo } = cluster(makeNode("a", { cpu: "2" }), makeNode("b", { cpu: "2" }));
    const placed: string[] = [];
    for (let i = 0; i < 4; i++) {
      const pod = makePod(`p${i}`, { cpu: "1" });
      const r = algo.schedule(info(pod));
      if (!r.ok) throw new Error(r.message);
      cache.assumePod(pod, r.nodeName);
      placed.push(r.nodeName);
    }
    expect(placed.filter((n) => n === "a")).toHaveLength(2);
    const r = algo.schedule(info(makePod("p4", { cpu: "1" })));
    expect(r).toMatchObject({ ok: false, message: "0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod." });
  });

  it("spreads pods of one owner across nodes", () => {
    const { cache, algo } = cluster(makeNode("a"), makeNode("b"), makeNode("c"));
    const counts = new Map<string, number>();
    for (let i = 0; i < 6; i++) {
      const pod = makePod(`r${i}`, { owner: "rs-uid" });
      const r = algo.schedule(info(pod));
      if (!r.ok) throw new Error(r.message);
      cache.assumePod(pod, r.nodeName);
      counts.set(r.nodeName, (counts.get(r.nodeName) ?? 0) + 1);
    }
    expect([...counts.values()]).toEqual([2, 2, 2]);
  });

  it("stops filtering after enough feasible nodes and rotates the start", () => {
    const nodes = Array.from({ length: 1000 }, (_, i) => makeNode(`n${String(i).padStart(4, "0")}`));
    const { algo } = cluster(...nodes);
    const r1 = algo.schedule(info(makePod("a")));
    const r2 = algo.schedule(info(makePod("b")));
    expect(r1).toMatchObject({ ok: true, evaluated: 420, feasible: 420 });
    expect(r2).toMatchObject({ ok: true, evaluated: 420 });
    // The second pod searched nodes 420..839, so it cannot land on the first window.
    if (r2.ok) expect(r2.nodeName >= "n0420" && r2.nodeName <= "n0839").toBe(true);
  });

  it("ignores nodes that were removed", () => {
    const { cache, algo } = cluster(makeNode("a"), makeNode("b"));
    cache.removeNode("a");
    expect(algo.schedule(info(makePod("p")))).toMatchObject({ ok: true, nodeName: "b" });
  });
});
