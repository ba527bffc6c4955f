/**
 * NodeLifecycleController watches node heartbeats, taints nodes by their Ready condition and
 * evicts pods from NoExecute-tainted nodes (Kubernetes' node lifecycle controller and its
 * NoExecute taint manager in one).
 *
 * Primary: Nodes (keyed by name). Secondary: node Leases (kube-node-lease/NAME) and Pods
 * (indexed here by spec.nodeName). Triggers: every --node-monitor-period all nodes are
 * synced (level-triggered); node changes; a pod landing on a NoExecute-tainted node; a timer
 * at the next toleration deadline. One sync:
 * 1. heartbeat older than --node-monitor-grace-period -> kubelet conditions Unknown,
 *    event NodeNotReady, the node's pods marked not Ready (so Services stop using them);
 * 2. taints from Ready: False -> node.kubernetes.io/not-ready, Unknown -> .../unreachable,
 *    both NoSchedule and NoExecute; True -> neither;
 * 3. pods that don't tolerate a NoExecute taint are deleted at once; pods that tolerate it
 *    for tolerationSeconds are deleted at timeAdded + tolerationSeconds.
 * Evictions are ordinary graceful deletes, as in Kubernetes: on an unreachable node the pod
 * stays Terminating until its kubelet returns, but its ReplicaSet stops counting it at once,
 * so the replacement is not delayed, and a StatefulSet keeps its at-most-one guarantee.
 * Pods bound to a Node that no longer exists are force-deleted (Kubernetes' pod GC).
 */
import { isNotFound, RESOURCES, type Lease, type Node, type Pod, type Taint } from "@kates/api";
import { objectKey, runWorkers, sleep, waitForCacheSync, WorkQueue, type EventRecorder, type Informer } from "@kates/client";
import type { Logger } from "@kates/component-base";
import type { Controller, ControllerContext } from "../../controller-context.js";
import { NodeHealthTracker, unknownConditions } from "./node-health.js";
import { evictionTime, reconcileConditionTaints, taintsDiffer } from "./taints.js";

const find = (resource: string) => RESOURCES.find((ri) => ri.resource === resource)!;
const NODES = find("nodes");
const LEASES = find("leases");
const PODS = find("pods");
/** Where kubelets keep their heartbeat Leases. */
export const NODE_LEASE_NAMESPACE = "kube-node-lease";

const taintId = (t: Taint) => `${t.key}=${t.value ?? ""}:${t.effect}`;
const hasNoExecute = (node: Node | undefined) => !!node?.spec?.taints?.some((t) => t.effect === "NoExecute");

/** The node lifecycle controller (see the file header). */
export class NodeLifecycleController implements Controller {
  private readonly queue = new WorkQueue<string>();
  private readonly nodes: Informer<Node>;
  private readonly leases: Informer<Lease>;
  private readonly pods: Informer<Pod>;
  private readonly podsByNode = new Map<string, Set<string>>();
  private readonly health: NodeHealthTracker;
  private readonly taintFirstSeen = new Map<string, Map<string, number>>();
  private readonly evictionTimers = new Map<string, number>();
  private readonly recorder: EventRecorder;
  private readonly log: Logger;

  constructor(private readonly ctx: ControllerContext) {
    this.log = ctx.log;
    this.recorder = ctx.recorder("node-controller");
    this.health = new NodeHealthTracker(ctx.options.nodeMonitorGracePeriodMs);
    this.nodes = ctx.informers.informerFor<Node>(NODES);
    this.leases = ctx.informers.informerFor<Lease>(LEASES);
    this.pods = ctx.informers.informerFor<Pod>(PODS);
    this.nodes.on("add", (n) => this.queue.add(objectKey(n)));
    this.nodes.on("update", (_old, n) => this.queue.add(objectKey(n)));
    this.nodes.on("delete", (n) => {
      this.health.forget(n.metadata.name!);
      this.queue.add(objectKey(n));
    });
    // Heartbeats are timed when they arrive, not at the next periodic sync, so that a dead
    // node is noticed grace (not grace + period) after its last renewal.
    const onLease = (lease: Lease) => {
      if (lease.metadata.namespace !== NODE_LEASE_NAMESPACE) return;
      const node = this.nodes.lister.get(undefined, lease.metadata.name!);
      if (node) this.health.stale(node, lease, Date.now());
    };
    this.leases.on("add", onLease);
    this.leases.on("update", (_old, l) => onLease(l));
    this.pods.on("add", (p) => this.indexPod(undefined, p));
    this.pods.on("update", (old, p) => this.indexPod(old, p));
    this.pods.on("delete", (p) => this.indexPod(p, undefined));
  }

  private indexPod(old: Pod | undefined, pod: Pod | undefined): void {
    const oldNode = old?.spec?.nodeName;
    const node = pod?.spec?.nodeName;
    if (oldNode && oldNode !== node) this.podsByNode.get(oldNode)?.delete(objectKey(old!));
    if (!pod || !node) return;
    let set = this.podsByNode.get(node);
    if (!set) this.podsByNode.set(node, (set = new Set()));
    set.add(objectKey(pod));
    if (!pod.metadata.deletionTimestamp && hasNoExecute(this.nodes.lister.get(undefined, node))) this.queue.add(node);
  }

  async run(signal: AbortSignal): Promise<void> {
    if (!(await waitForCacheSync(signal, this.nodes, this.leases, this.pods))) return;
    const monitor = async () => {
      while (!signal.aborted) {
        for (const n of this.nodes.lister.list()) this.queue.add(n.metadata.name!);
        for (const [name, pods] of this.podsByNode) {
          if (!pods.size) this.podsByNode.delete(name);
          else if (!this.nodes.lister.get(undefined, name)) this.queue.add(name);
        }
        await sleep(this.ctx.options.nodeMonitorPeriodMs, signal).catch(() => undefined);
      }
    };
    await Promise.all([monitor(), runWorkers(this.queue, this.ctx.options.workers, (key) => this.syncNode(key), signal, this.log)]);
  }

  /** Health, taints and evictions of one node. */
  async syncNode(name: string): Promise<void> {
    let node = this.nodes.lister.get(undefined, name);
    if (!node) {
      this.evictionTimers.delete(name);
      this.taintFirstSeen.delete(name);
      return this.deleteOrphanedPods(name);
    }
    const now = Date.now();
    const stale = this.health.stale(node, this.leases.lister.get(NODE_LEASE_NAMESPACE, name), now);
    // A node about to go stale is checked right at its deadline, not up to a period later.
    const deadline = this.health.deadline(name);
    if (!stale && deadline !== undefined && deadline - now < this.ctx.options.nodeMonitorPeriodMs) this.queue.addAfter(name, deadline - now + 10);
    if (stale) {
      const conditions = unknownConditions(node, new Date(now));
      if (conditions) {
        const next = structuredClone(node);
        next.status = { ...next.status, conditions };
        node = await this.ctx.rest.resource<Node>(NODES).updateStatus(next);
        this.log.info({ node: name }, "node stopped posting status; conditions set to Unknown");
        this.recorder.event(node, "Normal", "NodeNotReady", `Node ${name} status is now: NodeNotReady`);
        await this.markPodsNotReady(name);
      }
    }
    const ready = node.status?.conditions?.find((c) => c.type === "Ready")?.status;
    const taints = node.spec?.taints ?? [];
    const desired = reconcileConditionTaints(taints, ready, new Date(now));
    if (taintsDiffer(taints, desired)) {
      const next = structuredClone(node);
      next.spec = { ...next.spec, taints: desired };
      node = await this.ctx.rest.resource<Node>(NODES).update(next);
      this.log.info({ node: name, ready, taints: desired.map((t) => `${t.key}:${t.effect}`) }, "updated node condition taints");
    }
    await this.evictPods(node, now);
  }

  private async evictPods(node: Node, now: number): Promise<void> {
    const name = node.metadata.name!;
    const taints = (node.spec?.taints ?? []).filter((t) => t.effect === "NoExecute");
    if (!taints.length) {
      this.taintFirstSeen.delete(name);
      return;
    }
    // When each taint without timeAdded was first seen: its toleration clock starts there.
    const seen = this.taintFirstSeen.get(name) ?? new Map<string, number>();
    const ids = new Set(taints.map(taintId));
    for (const id of seen.keys()) if (!ids.has(id)) seen.delete(id);
    this.taintFirstSeen.set(name, seen);
    const firstSeen = (t: Taint) => {
      const id = taintId(t);
      if (!seen.has(id)) seen.set(id, now);
      return seen.get(id)!;
    };
    let next: number | undefined;
    for (const key of this.podsByNode.get(name) ?? []) {
      const [ns, podName] = key.split("/") as [string, string];
      const pod = this.pods.lister.get(ns, podName);
      if (!pod || pod.metadata.deletionTimestamp || pod.spec?.nodeName !== name) continue;
      const at = evictionTime(pod, taints, firstSeen);
      if (at === undefined) continue;
      if (at <= now) await this.evict(pod, name);
      else next = Math.min(next ?? Infinity, at);
    }
    // One timer per node and deadline: the periodic sync already runs every node each
    // period, so re-arming on every sync would pile up timers for long tolerations.
    const armed = this.evictionTimers.get(name);
    if (armed !== undefined && armed <= now) this.evictionTimers.delete(name);
    if (next !== undefined && (this.evictionTimers.get(name) ?? Infinity) > next) {
      this.evictionTimers.set(name, next);
      this.queue.addAfter(name, next - now + 5);
    }
  }

  private async evict(pod: Pod, node: string): Promise<void> {
    const key = objectKey(pod);
    try {
      await this.ctx.rest.resource<Pod>(PODS, pod.metadata.namespace).delete(pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
      this.log.info({ pod: key, node }, "evicted pod from NoExecute-tainted node");
      this.recorder.event(pod, "Normal", "TaintManagerEviction", `Marking for deletion Pod ${key}`);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Pods bound to a node that is gone for good have no kubelet to finish them. */
  private async deleteOrphanedPods(name: string): Promise<void> {
    const keys = [...(this.podsByNode.get(name) ?? [])];
    if (!keys.length) return;
    try {
      await this.ctx.rest.resource<Node>(NODES).get(name);
      return; // Our cache lags: the node exists.
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    for (const key of keys) {
      const [ns, podName] = key.split("/") as [string, string];
      const pod = this.pods.lister.get(ns, podName);
      if (!pod || pod.spec?.nodeName !== name) continue;
      try {
        await this.ctx.rest.resource<Pod>(PODS, ns).delete(podName, { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata.uid } });
        this.log.info({ pod: key, node: name }, "force-deleted pod of a deleted node");
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  private async markPodsNotReady(node: string): Promise<void> {
    for (const key of this.podsByNode.get(node) ?? []) {
      const [ns, podName] = key.split("/") as [string, string];
      const pod = this.pods.lister.get(ns, podName);
      const ready = pod?.status?.conditions?.find((c) => c.type === "Ready");
      if (!pod || ready?.status !== "True") continue;
      const next = structuredClone(pod);
      next.status!.conditions = next.status!.conditions!.map((c) => (c.type === "Ready" ? { ...c, status: "False", lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z") } : c));
      try {
        await this.ctx.rest.resource<Pod>(PODS, ns).updateStatus(next);
      } catch (err) {
        // Best effort: eviction follows anyway.
        this.log.debug({ err, pod: key }, "could not mark pod not ready");
      }
    }
  }
}
