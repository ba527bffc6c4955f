/**
 * The scheduler's view of the cluster: a NodeInfo per node, with the pods on it. Pods the
 * scheduler has decided on but whose binding the informer has not shown yet are "assumed"
 * onto their node at once, so the next cycle already counts them (kube-scheduler's cache
 * does the same; without it a burst of pods would all land on the same emptiest node).
 */
import type { Node, Pod } from "@kates/api";
import { NodeInfo } from "./node-info.js";
import { podInfo } from "./pod-info.js";

interface PodState {
  nodeName: string;
  assumed: boolean;
}

export class SchedulerCache {
  private readonly infos = new Map<string, NodeInfo>();
  private readonly podStates = new Map<string, PodState>();
  private list: NodeInfo[] = [];
  private listDirty = false;

  /** Nodes that exist (have a Node object), in a stable order for round-robin sampling. */
  nodes(): NodeInfo[] {
    if (this.listDirty) {
      this.list = [...this.infos.values()].filter((n) => n.node).sort((a, b) => (a.name < b.name ? -1 : 1));
      this.listDirty = false;
    }
    return this.list;
  }

  node(name: string): NodeInfo | undefined {
    const n = this.infos.get(name);
    return n?.node ? n : undefined;
  }

  private infoFor(name: string): NodeInfo {
    let n = this.infos.get(name);
    if (!n) {
      n = new NodeInfo(name);
      this.infos.set(name, n);
    }
    return n;
  }

  addOrUpdateNode(node: Node): void {
    const n = this.infoFor(node.metadata.name ?? "");
    if (!n.node) this.listDirty = true;
    n.setNode(node);
  }

  removeNode(name: string): void {
    const n = this.infos.get(name);
    if (!n) return;
    // Pods may still name the node until they are deleted; keep their accounting, drop the node.
    if (n.pods.size === 0) this.infos.delete(name);
    else n.node = undefined;
    this.listDirty = true;
  }

  /** True when the pod is assumed or known to be on a node. */
  isKnown(uid: string): boolean {
    return this.podStates.has(uid);
  }

  isAssumed(uid: string): boolean {
    return this.podStates.get(uid)?.assumed ?? false;
  }

  /** Counts a pod against its node before the binding is confirmed. */
  assumePod(pod: Pod, nodeName: string): void {
    const info = podInfo(pod);
    this.removePod(info.uid);
    this.infoFor(nodeName).addPod(info);
    this.podStates.set(info.uid, { nodeName, assumed: true });
  }

  /** Undoes assumePod after a failed binding. */
  forgetPod(uid: string): void {
    if (this.podStates.get(uid)?.assumed) this.removePod(uid);
  }

  /** Adds or refreshes a pod that the informer shows as assigned to a node (confirming an assumption). */
  addOrUpdateAssignedPod(pod: Pod): void {
    const info = podInfo(pod);
    const nodeName = pod.spec?.nodeName ?? "";
    const state = this.podStates.get(info.uid);
    if (state && state.nodeName !== nodeName) this.removePod(info.uid);
    this.infoFor(nodeName).addPod(info);
    this.podStates.set(info.uid, { nodeName, assumed: false });
  }

  removePod(uid: string): void {
    const state = this.podStates.get(uid);
    if (!state) return;
    this.podStates.delete(uid);
    const n = this.infos.get(state.nodeName);
    n?.removePod(uid);
    if (n && !n.node && n.pods.size === 0) this.infos.delete(state.nodeName);
  }
}
