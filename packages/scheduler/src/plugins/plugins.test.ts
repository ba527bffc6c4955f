import { describe, expect, it } from "vitest";
import { info, makeNode, makePod, nodeInfo } from "../test-fixtures.js";
import { nodeUnschedulable } from "./node-unschedulable.js";
import { nodeReady } from "./node-ready.js";
import { nodeResourcesFit } from "./node-resources-fit.js";
import { nodeAffinity } from "./node-affinity.js";
import { taintTolerationFilter, taintTolerationScore, tolerates } from "./taint-toleration.js";
import { nodePorts } from "./node-ports.js";
import { leastAllocated } from "./least-allocated.js";
import { selectorSpread } from "./selector-spread.js";
import type { FilterPlugin } from "./types.js";

const run = (plugin: FilterPlugin, pod: ReturnType<typeof makePod>, node: ReturnType<typeof nodeInfo>) => plugin.forPod(info(pod))?.(node);

describe("NodeUnschedulable", () => {
  it("rejects cordoned nodes unless the pod tolerates the unschedulable taint", () => {
    const cordoned = nodeInfo(makeNode("n", { unschedulable: true }));
    expect(run(nodeUnschedulable, makePod("p"), cordoned)).toMatchObject({ code: "UnschedulableAndUnresolvable", reasons: ["node(s) were unschedulable"] });
    expect(run(nodeUnschedulable, makePod("p"), nodeInfo(makeNode("m")))).toBeUndefined();
    const tolerant = makePod("t", { tolerations: [{ key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" }] });
    expect(run(nodeUnschedulable, tolerant, cordoned)).toBeUndefined();
  });
});

describe("NodeReady", () => {
  it("passes only nodes whose Ready condition is True", () => {
    expect(run(nodeReady, makePod("p"), nodeInfo(makeNode("n")))).toBeUndefined();
    expect(run(nodeReady, makePod("p"), nodeInfo(makeNode("n", { ready: false })))?.reasons).toEqual(["node(s) were not ready"]);
  });
});

describe("NodeResourcesFit", () => {
  it("counts the requests of pods already on the node", () => {
    const node = nodeInfo(makeNode("n", { cpu: "2", memory: "4Gi" }), makePod("a", { cpu: "1500m", memory: "1Gi" }));
    expect(run(nodeResourcesFit, makePod("fits", { cpu: "500m", memory: "3Gi" }), node)).toBeUndefined();
    expect(run(nodeResourcesFit, makePod("cpu", { cpu: "501m" }), node)).toMatchObject({ code: "Unschedulable", reasons: ["Insufficient cpu"] });
    expect(run(nodeResourcesFit, makePod("both", { cpu: "1", memory: "3500Mi" }), node)?.reasons).toEqual(["Insufficient cpu", "Insufficient memory"]);
  });

  it("is unresolvable when the request exceeds the whole node", () => {
    const node = nodeInfo(makeNode("n", { cpu: "2" }));
    expect(run(nodeResourcesFit, makePod("huge", { cpu: "3" }), node)?.code).toBe("UnschedulableAndUnresolvable");
  });

  it("limits the pod count", () => {
    const node = nodeInfo(makeNode("n", { pods: 1 }), makePod("a"));
    expect(run(nodeResourcesFit, makePod("b"), node)?.reasons).toEqual(["Too many pods"]);
  });

  it("applies the init-container max rule", () => {
    const node = nodeInfo(makeNode("n", { cpu: "2" }));
    const init = (cpu: string) => ({ name: `i${cpu}`, image: "x", resources: { requests: { cpu } } });
    const podWithInit = (initCpu: string) => makePod("i", { cpu: "500m", initContainers: [init(initCpu)] });
    expect(info(podWithInit("1500m")).requests.milliCPU).toBe(1500);
    expect(info(podWithInit("100m")).requests.milliCPU).toBe(500);
    expect(run(nodeResourcesFit, podWithInit("2500m"), node)?.reasons).toEqual(["Insufficient cpu"]);
    expect(run(nodeResourcesFit, podWithInit("2"), node)).toBeUndefined();
  });

  it("frees resources when a pod is removed", () => {
    const a = makePod("a", { cpu: "2" });
    const node = nodeInfo(makeNode("n", { cpu: "2" }), a);
    expect(run(nodeResourcesFit, makePod("b", { cpu: "1" }), node)).toBeDefined();
    node.removePod(info(a).uid);
    expect(run(nodeResourcesFit, makePod("b", { cpu: "1" }), node)).toBeUndefined();
  });
});

describe("NodeAffinity", () => {
  const node = nodeInfo(makeNode("n1", { labels: { disk: "ssd", zone: "a", gen: "5" } }));
  const reason = "node(s) didn't match Pod's node affinity/selector";
  const required = (...matchExpressions: { key: string; operator: "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt"; values?: string[] }[]) =>
    makePod("p", { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions }] } } } });

  it("matches nodeSelector", () => {
    expect(run(nodeAffinity, makePod("p", { nodeSelector: { disk: "ssd" } }), node)).toBeUndefined();
    expect(run(nodeAffinity, makePod("p", { nodeSelector: { disk: "hdd" } }), node)?.reasons).toEqual([reason]);
  });

  it("supports every operator", () => {
    expect(run(nodeAffinity, required({ key: "zone", operator: "In", values: ["a", "b"] }), node)).toBeUndefined();
    expect(run(nodeAffinity, required({ key: "zone", operator: "NotIn", values: ["a"] }), node)).toBeDefined();
    expect(run(nodeAffinity, required({ key: "disk", operator: "Exists" }), node)).toBeUndefined();
    expect(run(nodeAffinity, required({ key: "gpu", operator: "DoesNotExist" }), node)).toBeUndefined();
    expect(run(nodeAffinity, required({ key: "gen", operator: "Gt", values: ["4"] }), node)).toBeUndefined();
    expect(run(nodeAffinity, required({ key: "gen", operator: "Lt", values: ["5"] }), node)).toBeDefined();
  });

  it("ORs terms and supports matchFields metadata.name", () => {
    const pod = makePod("p", { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [
      { matchExpressions: [{ key: "zone", operator: "In", values: ["z"] }] },
      { matchFields: [{ key: "metadata.name", operator: "In", values: ["n1"] }] },
    ] } } } });
    expect(run(nodeAffinity, pod, node)).toBeUndefined();
    expect(run(nodeAffinity, pod, nodeInfo(makeNode("n2")))?.reasons).toEqual([reason]);
  });
});

describe("TaintToleration", () => {
  const tainted = nodeInfo(makeNode("n", { taints: [{ key: "node.kubernetes.io/unreachable", effect: "NoExecute" }] }));
  it("filters untolerated NoSchedule/NoExecute taints with Kubernetes' message", () => {
    expect(run(taintTolerationFilter, makePod("p"), tainted)?.reasons).toEqual(["node(s) had untolerated taint {node.kubernetes.io/unreachable: }"]);
    const tol = makePod("t", { tolerations: [{ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" }] });
    expect(run(taintTolerationFilter, tol, tainted)).toBeUndefined();
    const soft = nodeInfo(makeNode("s", { taints: [{ key: "k", value: "v", effect: "PreferNoSchedule" }] }));
    expect(run(taintTolerationFilter, makePod("p"), soft)).toBeUndefined();
  });

  it("matches tolerations by operator, value and effect", () => {
    expect(tolerates({ key: "k", operator: "Equal", value: "v" }, { key: "k", value: "v", effect: "NoSchedule" })).toBe(true);
    expect(tolerates({ key: "k", value: "w" }, { key: "k", value: "v", effect: "NoSchedule" })).toBe(false);
    expect(tolerates({ operator: "Exists" }, { key: "any", effect: "NoExecute" })).toBe(true);
    expect(tolerates({ key: "k", operator: "Exists", effect: "NoSchedule" }, { key: "k", effect: "NoExecute" })).toBe(false);
  });

  it("scores PreferNoSchedule taints lower", () => {
    const scorer = taintTolerationScore.forPod(info(makePod("p")))!;
    const soft = nodeInfo(makeNode("s", { taints: [{ key: "k", effect: "PreferNoSchedule" }] }));
    const scores = [scorer.score(soft), scorer.score(nodeInfo(makeNode("c")))];
    scorer.normalize!(scores);
    expect(scores).toEqual([0, 100]);
  });
});

describe("NodePorts", () => {
  const withPort = (name: string, hostPort: number, hostIP?: string) =>
    makePod(name, { containers: [{ name: "c", image: "x", ports: [{ containerPort: 80, hostPort, hostIP }] }] });
  it("rejects a hostPort already used on the node", () => {
    const node = nodeInfo(makeNode("n"), withPort("a", 8080));
    expect(run(nodePorts, withPort("b", 8080), node)?.reasons).toEqual(["node(s) didn't have free ports for the requested pod ports"]);
    expect(run(nodePorts, withPort("c", 8081), node)).toBeUndefined();
  });
  it("lets distinct host IPs share a port, but not with 0.0.0.0", () => {
    const node = nodeInfo(makeNode("n"), withPort("a", 8080, "10.0.0.1"));
    expect(run(nodePorts, withPort("b", 8080, "10.0.0.2"), node)).toBeUndefined();
    expect(run(nodePorts, withPort("c", 8080), node)).toBeDefined();
  });
});

describe("scores", () => {
  it("LeastAllocated prefers the emptier node", () => {
    const scorer = leastAllocated.forPod(info(makePod("p", { cpu: "1", memory: "1Gi" })))!;
    const busy = nodeInfo(makeNode("busy"), makePod("x", { cpu: "3", memory: "8Gi" }));
    const idle = nodeInfo(makeNode("idle"));
    expect(scorer.score(idle)).toBeGreaterThan(scorer.score(busy));
  });

  it("SelectorSpread prefers nodes with fewer pods of the same owner", () => {
    const scorer = selectorSpread.forPod(info(makePod("p", { owner: "rs1" })))!;
    const crowded = nodeInfo(makeNode("a"), makePod("x", { owner: "rs1" }), makePod("y", { owner: "rs1" }));
    const other = nodeInfo(makeNode("b"), makePod("z", { owner: "rs2" }));
    const s = [scorer.score(crowded), scorer.score(other)];
    scorer.normalize!(s);
    expect(s).toEqual([0, 100]);
    expect(selectorSpread.forPod(info(makePod("orphan")))).toBeUndefined();
  });
});
