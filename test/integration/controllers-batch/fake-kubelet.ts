/**
 * A stand-in for scheduler + kubelets, small enough to read with the tests: binds unbound
 * pods (DaemonSet pods to the node their matchFields affinity names, others round-robin),
 * then plays each bound pod's life as `behave(pod)` says: Running and Ready (optionally after
 * a delay), Succeeded, or Failed. Pods being deleted are removed at once, as a kubelet
 * whose containers stopped would. Only status writes go through the status subresource.
 */
import { findResource, type Node, type Pod } from "@kates/api";
import { Informer, type RestClient } from "@kates/client";

export type Outcome = { kind: "run"; readyAfterMs?: number } | { kind: "succeed" } | { kind: "fail" };

export interface FakeKubelet {
  /** ms timestamps at which pods (by name) became Ready. */
  readyAt: Map<string, number>;
  stop(): void;
}

const podsRi = findResource("", "v1", "pods")!;
const nodesRi = findResource("", "v1", "nodes")!;
const now = () => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");

export async function startFakeKubelet(rest: RestClient, behave: (pod: Pod) => Outcome): Promise<FakeKubelet> {
  const ac = new AbortController();
  const pods = new Informer<Pod>(rest.resource<Pod>(podsRi), {});
  const nodes = new Informer<Node>(rest.resource<Node>(nodesRi), {});
  const handled = new Set<string>();
  const readyAt = new Map<string, number>();
  let rr = 0;

  const writeStatus = async (pod: Pod, status: Pod["status"]) => {
    const fresh = await rest.resource<Pod>(podsRi, pod.metadata.namespace).get(pod.metadata.name!);
    if (fresh.metadata.uid !== pod.metadata.uid) return;
    await rest.resource<Pod>(podsRi, pod.metadata.namespace).updateStatus({ ...fresh, status: { ...fresh.status, ...status } });
  };

  const handle = async (pod: Pod) => {
    const ns = pod.metadata.namespace!;
    const name = pod.metadata.name!;
    if (pod.metadata.deletionTimestamp) {
      await rest.resource<Pod>(podsRi, ns).delete(name, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
      return;
    }
    if (!pod.spec?.nodeName) {
      const pinned = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.[0]?.matchFields?.[0]?.values?.[0];
      const all = nodes.lister.list().map((n) => n.metadata.name!).sort();
      const target = pinned ?? all[rr++ % Math.max(1, all.length)];
      if (target && all.includes(target)) await rest.createBinding(ns, name, target);
      return;
    }
    const id = pod.metadata.uid!;
    if (handled.has(id) || pod.status?.phase !== "Pending") return;
    handled.add(id);
    const out = behave(pod);
    const container = pod.spec.containers[0]?.name ?? "c";
    const image = pod.spec.containers[0]?.image ?? "";
    if (out.kind === "run") {
      if (out.readyAfterMs) {
        await writeStatus(pod, { phase: "Running", conditions: [{ type: "Ready", status: "False", lastTransitionTime: now() }] });
        await new Promise((r) => setTimeout(r, out.readyAfterMs));
      }
      await writeStatus(pod, { phase: "Running", podIP: "10.1.0.1", conditions: [{ type: "Ready", status: "True", lastTransitionTime: now() }], containerStatuses: [{ name: container, image, imageID: "", ready: true, restartCount: 0, state: { running: { startedAt: now() } } }] });
      readyAt.set(name, Date.now());
    } else {
      const failed = out.kind === "fail";
      await writeStatus(pod, {
        phase: failed ? "Failed" : "Succeeded",
        conditions: [{ type: "Ready", status: "False", lastTransitionTime: now() }],
        containerStatuses: [{ name: container, image, imageID: "", ready: false, restartCount: 0, state: { terminated: { exitCode: failed ? 1 : 0, reason: failed ? "Error" : "Completed", finishedAt: now() } } }],
      });
    }
  };

  const safe = (p: Pod) => void handle(p).catch(() => {
    // Conflicts and races with deletion: the next event for the pod retries.
    handled.delete(p.metadata.uid!);
  });
  pods.on("add", safe);
  pods.on("update", (_o, p) => safe(p));
  void nodes.start(ac.signal);
  await nodes.waitForSync(ac.signal);
  void pods.start(ac.signal);
  await pods.waitForSync(ac.signal);
  return { readyAt, stop: () => ac.abort() };
}
