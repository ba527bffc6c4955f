import { describe, expect, it } from "vitest";
import type { ControllerRevision, DaemonSet, Node, Pod } from "@kates/api";
import { FakeClock, noopLogger } from "@kates/client";
import { DaemonSetController, REVISION_LABEL } from "./daemonset-controller.js";
import { nodeShouldRunDaemonPod } from "./daemonset-utils.js";
import { FakeObjectClient, FakeRecorder, store } from "../job/testing.js";
import { templateHash } from "../job/workload-utils.js";
import { newRevision } from "../shared/history.js";

const template = { metadata: { labels: { app: "agent" } }, spec: { containers: [{ name: "a", image: "agent:1" }] } };

function ds(tpl = template, extra: Partial<NonNullable<DaemonSet["spec"]>> = {}): DaemonSet {
  return {
    apiVersion: "apps/v1", kind: "DaemonSet",
    metadata: { name: "agent", namespace: "kube-system", uid: "ds-uid", generation: 2 },
    spec: { selector: { matchLabels: { app: "agent" } }, template: tpl, updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1 } }, ...extra },
  };
}

const node = (name: string, labels: Record<string, string> = {}, taints: NonNullable<Node["spec"]>["taints"] = []): Node => ({ metadata: { name, labels }, spec: { taints } });

let seq = 0;
function pod(nodeName: string, hash: string, ready = true): Pod {
  return {
    metadata: { name: `agent-${seq++}`, namespace: "kube-system", labels: { app: "agent", [REVISION_LABEL]: hash }, creationTimestamp: "2024-01-01T00:00:00Z", ownerReferences: [{ apiVersion: "apps/v1", kind: "DaemonSet", name: "agent", uid: "ds-uid", controller: true }] },
    spec: { nodeName, containers: [] },
    status: { phase: "Running", conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
  };
}

function setup(d: DaemonSet, nodes: Node[], pods: Pod[] = [], revisions: ControllerRevision[] = []) {
  const client = new FakeObjectClient();
  const recorder = new FakeRecorder();
  const c = new DaemonSetController({ daemonsets: store(d), nodes: store(...nodes), pods: store(...pods), revisions: store(...revisions), client, recorder, log: noopLogger, clock: new FakeClock(Date.now()) });
  return { c, client, recorder };
}

describe("node eligibility", () => {
  it("follows nodeSelector, affinity and NoSchedule/NoExecute taints, tolerating the daemon defaults", () => {
    const spec = { containers: [], nodeSelector: { role: "edge" } };
    expect(nodeShouldRunDaemonPod(node("a", { role: "edge" }), spec).shouldRun).toBe(true);
    expect(nodeShouldRunDaemonPod(node("b"), spec).shouldRun).toBe(false);
    const plain = { containers: [] };
    expect(nodeShouldRunDaemonPod(node("c", {}, [{ key: "node.kubernetes.io/unreachable", effect: "NoExecute" }, { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }]), plain).shouldRun).toBe(true);
    const gpu = node("d", {}, [{ key: "gpu", value: "true", effect: "NoSchedule" }]);
    expect(nodeShouldRunDaemonPod(gpu, plain)).toEqual({ shouldRun: false, shouldContinueRunning: true });
    expect(nodeShouldRunDaemonPod(gpu, { containers: [], tolerations: [{ key: "gpu", operator: "Equal", value: "true" }] }).shouldRun).toBe(true);
    const affinity = { containers: [], affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "zone", operator: "In" as const, values: ["z1"] }] }] } } } };
    expect(nodeShouldRunDaemonPod(node("e", { zone: "z1" }), affinity).shouldRun).toBe(true);
    expect(nodeShouldRunDaemonPod(node("f", { zone: "z2" }), affinity).shouldRun).toBe(false);
  });
});

describe("DaemonSetController", () => {
  it("creates one pod per eligible node, pinned by matchFields affinity, with daemon tolerations", async () => {
    const { c, client, recorder } = setup(ds(), [node("n1"), node("n2"), node("n3", {}, [{ key: "dedicated", effect: "NoSchedule" }])]);
    await c.syncDaemonSet("kube-system/agent");
    const created = client.actions.filter((a) => a.verb === "create" && a.resource === "pods").map((a) => a.obj as Pod);
    expect(created.map((p) => p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0].matchFields?.[0].values?.[0]).sort()).toEqual(["n1", "n2"]);
    expect(created[0].spec?.nodeName).toBeUndefined();
    expect(created[0].metadata.labels).toEqual({ app: "agent", [REVISION_LABEL]: templateHash(template) });
    expect(created[0].spec?.tolerations).toContainEqual({ key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" });
    const st = (client.last("updateStatus", "daemonsets") as DaemonSet).status!;
    expect(st).toMatchObject({ desiredNumberScheduled: 2, currentNumberScheduled: 0, numberReady: 0, observedGeneration: 2 });
    expect(recorder.events.filter((e) => e.startsWith("Normal SuccessfulCreate"))).toHaveLength(2);
  });

  it("deletes pods of nodes that left or no longer match, and extra pods on a node", async () => {
    const tpl = { ...template, spec: { ...template.spec, nodeSelector: { agent: "yes" } } as typeof template.spec };
    const h = templateHash(tpl);
    const keep = pod("n1", h), extra = pod("n1", h), gone = pod("n9", h), wrong = pod("n2", h);
    const { c, client } = setup(ds(tpl), [node("n1", { agent: "yes" }), node("n2")], [keep, extra, gone, wrong]);
    await c.syncDaemonSet("kube-system/agent");
    const deleted = client.actions.filter((a) => a.verb === "delete").map((a) => a.name);
    expect(deleted.sort()).toEqual([extra.metadata.name, gone.metadata.name, wrong.metadata.name].sort());
    expect((client.last("updateStatus", "daemonsets") as DaemonSet).status).toMatchObject({ desiredNumberScheduled: 1, currentNumberScheduled: 1, numberMisscheduled: 1 });
  });

  it("rolls out a new template one node at a time (maxUnavailable 1)", async () => {
    const oldPods = [pod("n1", "old"), pod("n2", "old"), pod("n3", "old")];
    const { c, client } = setup(ds(), [node("n1"), node("n2"), node("n3")], oldPods);
    await c.syncDaemonSet("kube-system/agent");
    expect(client.actions.filter((a) => a.verb === "delete")).toHaveLength(1);
    expect(client.actions.filter((a) => a.verb === "create" && a.resource === "pods")).toHaveLength(0);
    // One node without a pod counts as unavailable: no further deletions, only its replacement.
    const h = templateHash(template);
    const next = setup(ds(), [node("n1"), node("n2"), node("n3")], [pod("n2", "old"), pod("n3", "old")]);
    await next.c.syncDaemonSet("kube-system/agent");
    expect(next.client.summary().filter((s) => s.startsWith("delete"))).toEqual([]);
    expect(next.client.summary().filter((s) => s === "create pods")).toHaveLength(1);
    const st = (next.client.last("updateStatus", "daemonsets") as DaemonSet).status!;
    expect(st.updatedNumberScheduled).toBe(0);
    const done = setup(ds(), [node("n1")], [pod("n1", h)]);
    await done.c.syncDaemonSet("kube-system/agent");
    expect((done.client.last("updateStatus", "daemonsets") as DaemonSet).status).toMatchObject({ updatedNumberScheduled: 1, numberReady: 1, numberAvailable: 1, numberUnavailable: 0 });
  });

  it("leaves old pods alone with OnDelete", async () => {
    const { c, client } = setup(ds(template, { updateStrategy: { type: "OnDelete" } }), [node("n1")], [pod("n1", "old")]);
    await c.syncDaemonSet("kube-system/agent");
    expect(client.summary().filter((s) => s.startsWith("delete"))).toEqual([]);
  });
});

describe("DaemonSetController revisions", () => {
  const image = (tag: string) => ({ ...template, spec: { containers: [{ name: "a", image: `agent:${tag}` }] } });
  const numbered = (tpl: typeof template, n: number) => newRevision(ds(tpl), "DaemonSet", n);

  it("records the first template as revision 1 before creating pods", async () => {
    const { c, client } = setup(ds(), [node("n1")]);
    await c.syncDaemonSet("kube-system/agent");
    expect(client.summary().slice(0, 2)).toEqual(["create controllerrevisions", "create pods"]);
    const rev = client.actions[0].obj as ControllerRevision;
    expect(rev).toMatchObject({ metadata: { name: `agent-${templateHash(template)}`, labels: { app: "agent", "controller.kubernetes.io/hash": templateHash(template) } }, revision: 1 });
    expect((client.last("create", "pods") as Pod).metadata.labels![REVISION_LABEL]).toBe(templateHash(template));
  });

  it("creates revision max+1 for a new template and renumbers an old one the template returns to", async () => {
    const fresh = setup(ds(image("3")), [], [], [numbered(image("1"), 1), numbered(image("2"), 2)]);
    await fresh.c.syncDaemonSet("kube-system/agent");
    expect(fresh.client.last("create", "controllerrevisions")).toMatchObject({ revision: 3 });
    const back = setup(ds(image("1")), [], [], [numbered(image("1"), 1), numbered(image("2"), 2)]);
    await back.c.syncDaemonSet("kube-system/agent");
    expect(back.client.actions.filter((a) => a.resource === "controllerrevisions")).toMatchObject([{ verb: "update", name: `agent-${templateHash(image("1"))}`, obj: { revision: 3 } }]);
  });

  it("trims revisions no pod runs beyond revisionHistoryLimit", async () => {
    const history = [1, 2, 3, 4].map((n) => numbered(image(String(n)), n));
    const { c, client } = setup(ds(image("4"), { revisionHistoryLimit: 1 }), [node("n1")], [pod("n1", templateHash(image("1")))], history);
    await c.syncDaemonSet("kube-system/agent");
    // Revision 1 is kept for its pod, 3 as the one allowed old revision, 4 as the current one.
    expect(client.summary().filter((s) => s.includes("controllerrevisions"))).toEqual([`delete controllerrevisions ${history[1].metadata.name}`]);
  });
});
