/**
 * ReplicaSetController keeps `spec.replicas` active pods matching each ReplicaSet's selector.
 *
 * Primary: ReplicaSets (or ReplicationControllers, through a ReplicaSetKind adapter).
 * Secondary: Pods. It owns the pods it creates (controller ownerReference), adopts matching
 * orphans and releases owned pods whose labels stop matching. Triggers: any change to a
 * ReplicaSet, and pod add/update/delete (mapped to the controlling ReplicaSet, or to every
 * ReplicaSet whose selector matches an orphan). Expectations keep a lagging pod cache from
 * causing a second round of creations or deletions.
 */
import type { LabelMatcher, Pod, ResourceInfo } from "@kates/api";
import { findResource, isNotFound } from "@kates/api";
import { noopLogger, objectKey, runWorkers, splitKey, waitForCacheSync, WorkQueue, type Logger } from "@kates/client";
import {
  adoptPatch, getControllerOf, isPodActive, isPodReady, newControllerRef, podsToDelete, releasePatch, slowStartBatch,
} from "../shared/controller-utils.js";
import { ControllerExpectations } from "../shared/expectations.js";
import type { ClientFor, EventSink, InformerLike } from "../shared/workload-client.js";
import { calculateStatus, errorMessage, statusChanged, type ReplicaSetLike } from "./replicaset-utils.js";

/** What differs between ReplicaSet and ReplicationController. */
export interface ReplicaSetKind<T extends ReplicaSetLike> {
  resource: ResourceInfo;
  apiVersion: string;
  kind: string;
  /** Component name in Events, e.g. "replicaset-controller". */
  component: string;
  selector(obj: T): LabelMatcher;
}

/** Dependencies of a ReplicaSetController. */
export interface ReplicaSetControllerDeps<T extends ReplicaSetLike> {
  kind: ReplicaSetKind<T>;
  owners: InformerLike<T>;
  pods: InformerLike<Pod>;
  clientFor: ClientFor;
  recorder: EventSink;
  log?: Logger;
  now?: () => number;
  /** Most pods created or deleted in one sync (Kubernetes: 500). */
  burstReplicas?: number;
}

const PODS = findResource("", "v1", "pods")!;

/** Reconciles ReplicaSet-like objects against their pods. */
export class ReplicaSetController<T extends ReplicaSetLike> {
  readonly queue = new WorkQueue<string>();
  readonly expectations: ControllerExpectations;
  private readonly kind: ReplicaSetKind<T>;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly burst: number;

  constructor(private readonly deps: ReplicaSetControllerDeps<T>) {
    this.kind = deps.kind;
    this.log = deps.log ?? noopLogger;
    this.now = deps.now ?? Date.now;
    this.burst = deps.burstReplicas ?? 500;
    this.expectations = new ControllerExpectations(this.now);
    deps.owners.on("add", (rs) => this.enqueue(rs));
    deps.owners.on("update", (_old, rs) => this.enqueue(rs));
    deps.owners.on("delete", (rs) => {
      this.expectations.delete(objectKey(rs));
      this.enqueue(rs);
    });
    deps.pods.on("add", (pod) => this.addPod(pod));
    deps.pods.on("update", (old, pod) => this.updatePod(old, pod));
    deps.pods.on("delete", (pod) => this.deletePod(pod));
  }

  /** Waits for the caches, then runs `workers` sync loops until `signal` aborts. */
  async run(signal: AbortSignal, workers: number): Promise<void> {
    if (!(await waitForCacheSync(signal, this.deps.owners, this.deps.pods))) return;
    await runWorkers(this.queue, workers, (key) => this.sync(key), signal, this.log);
  }

  private enqueue(rs: T): void {
    this.queue.add(objectKey(rs));
  }

  /** The ReplicaSet a controller reference points at, if it is ours and still the same object. */
  private resolveControllerRef(namespace: string, pod: Pod): T | undefined {
    const ref = getControllerOf(pod);
    if (!ref || ref.kind !== this.kind.kind) return undefined;
    const rs = this.deps.owners.lister.get(namespace, ref.name);
    return rs && rs.metadata.uid === ref.uid ? rs : undefined;
  }

  /** ReplicaSets whose selector matches an orphan pod: each may want to adopt it. */
  private matchingOwners(pod: Pod): T[] {
    return this.deps.owners.lister.list(pod.metadata.namespace ?? "", (rs) => this.kind.selector(rs).matches(pod.metadata.labels));
  }

  private addPod(pod: Pod): void {
    if (pod.metadata.deletionTimestamp) return this.deletePod(pod);
    const ref = getControllerOf(pod);
    if (ref) {
      const rs = this.resolveControllerRef(pod.metadata.namespace ?? "", pod);
      if (!rs) return;
      this.expectations.creationObserved(objectKey(rs));
      this.enqueue(rs);
      return;
    }
    for (const rs of this.matchingOwners(pod)) this.enqueue(rs);
  }

  private updatePod(old: Pod, pod: Pod): void {
    if (old.metadata.resourceVersion === pod.metadata.resourceVersion) return;
    if (pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) {
      // A terminating pod no longer counts: observe the deletion now rather than after the
      // grace period, so a replacement starts at once.
      this.deletePod(pod);
      return;
    }
    const oldRef = getControllerOf(old);
    const ref = getControllerOf(pod);
    if (oldRef && oldRef.uid !== ref?.uid) {
      const oldRs = this.resolveControllerRef(old.metadata.namespace ?? "", old);
      if (oldRs) this.enqueue(oldRs);
    }
    if (ref) {
      const rs = this.resolveControllerRef(pod.metadata.namespace ?? "", pod);
      if (!rs) return;
      this.enqueue(rs);
      const minReady = rs.spec?.minReadySeconds ?? 0;
      // Becoming ready starts the minReadySeconds clock: look again once it has run.
      if (minReady > 0 && !isPodReady(old) && isPodReady(pod)) this.queue.addAfter(objectKey(rs), minReady * 1000 + 100);
      return;
    }
    for (const rs of this.matchingOwners(pod)) this.enqueue(rs);
  }

  private deletePod(pod: Pod): void {
    const rs = this.resolveControllerRef(pod.metadata.namespace ?? "", pod);
    if (!rs) return;
    this.expectations.deletionObserved(objectKey(rs), objectKey(pod));
    this.enqueue(rs);
  }

  /** Brings one ReplicaSet's pods and status in line with its spec. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const rs = this.deps.owners.lister.get(namespace, name);
    if (!rs) {
      this.expectations.delete(key);
      return;
    }
    const needsSync = this.expectations.satisfied(key);
    const selector = this.kind.selector(rs);
    const active = this.deps.pods.lister.list(namespace, isPodActive);
    const pods = await this.claimPods(rs, selector, active);
    let manageError: unknown;
    let diff = 0;
    if (needsSync && !rs.metadata.deletionTimestamp) {
      diff = pods.length - (rs.spec?.replicas ?? 1);
      try {
        await this.manageReplicas(key, rs, pods, active, diff);
      } catch (err) {
        manageError = err;
      }
    }
    const status = calculateStatus(rs, pods, manageError, diff, this.now());
    if (statusChanged(rs.status, status)) await this.updateStatus(rs, status);
    const minReady = rs.spec?.minReadySeconds ?? 0;
    if (!manageError && minReady > 0 && status.readyReplicas === (rs.spec?.replicas ?? 1) && status.availableReplicas !== status.readyReplicas) {
      this.queue.addAfter(key, minReady * 1000);
    }
    if (manageError) throw manageError;
  }

  /**
   * Owned pods that still match, plus matching orphans, which are adopted. Owned pods that
   * no longer match are released. A failed adoption or release just leaves that pod out: the
   * next sync tries again.
   */
  private async claimPods(rs: T, selector: LabelMatcher, active: Pod[]): Promise<Pod[]> {
    const uid = rs.metadata.uid;
    const pods = this.deps.clientFor<Pod>(PODS, rs.metadata.namespace ?? "");
    const claimed: Pod[] = [];
    for (const pod of active) {
      const ref = getControllerOf(pod);
      const matches = selector.matches(pod.metadata.labels);
      if (ref) {
        if (ref.uid !== uid) continue;
        if (matches) claimed.push(pod);
        else if (!rs.metadata.deletionTimestamp) await this.tryPatch(() => pods.patch(pod.metadata.name!, releasePatch(pod, uid!), "merge"), pod, "release");
        continue;
      }
      if (!matches || rs.metadata.deletionTimestamp || selector.empty) continue;
      const ok = await this.tryPatch(() => pods.patch(pod.metadata.name!, adoptPatch(pod, newControllerRef(rs, this.kind.apiVersion, this.kind.kind)), "merge"), pod, "adopt");
      if (ok) claimed.push(pod);
    }
    return claimed;
  }

  private async tryPatch(fn: () => Promise<unknown>, pod: Pod, what: string): Promise<boolean> {
    try {
      await fn();
      return true;
    } catch (err) {
      if (!isNotFound(err)) this.log.info({ err, pod: objectKey(pod) }, `could not ${what} pod`);
      return false;
    }
  }

  /** Creates or deletes pods so that `diff` (pods minus replicas) becomes 0. */
  private async manageReplicas(key: string, rs: T, pods: Pod[], related: Pod[], diff: number): Promise<void> {
    const namespace = rs.metadata.namespace ?? "";
    const client = this.deps.clientFor<Pod>(PODS, namespace);
    if (diff < 0) {
      const count = Math.min(-diff, this.burst);
      this.expectations.expectCreations(key, count);
      const { successes, error } = await slowStartBatch(count, 1, async () => {
        try {
          const pod = await client.create(this.podFromTemplate(rs));
          this.deps.recorder.event(rs, "Normal", "SuccessfulCreate", `Created pod: ${pod.metadata.name}`);
        } catch (err) {
          this.deps.recorder.event(rs, "Warning", "FailedCreate", `Error creating: ${errorMessage(err)}`);
          throw err;
        }
      });
      // Creations that were never attempted (or failed) will never be observed.
      for (let i = successes; i < count; i++) this.expectations.creationObserved(key);
      if (error) throw error;
      return;
    }
    if (diff > 0) {
      const victims = podsToDelete(pods, related, Math.min(diff, this.burst));
      this.expectations.expectDeletions(key, victims.map(objectKey));
      const results = await Promise.allSettled(victims.map(async (pod) => {
        try {
          await client.delete(pod.metadata.name!);
          this.deps.recorder.event(rs, "Normal", "SuccessfulDelete", `Deleted pod: ${pod.metadata.name}`);
        } catch (err) {
          this.expectations.deletionObserved(key, objectKey(pod));
          if (isNotFound(err)) return;
          this.deps.recorder.event(rs, "Warning", "FailedDelete", `Error deleting: ${errorMessage(err)}`);
          throw err;
        }
      }));
      const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) throw failed.reason;
    }
  }

  private podFromTemplate(rs: T): Pod {
    const template = structuredClone(rs.spec?.template ?? {});
    const meta = template.metadata ?? {};
    return {
      apiVersion: "v1",
      kind: "Pod",
      metadata: {
        generateName: `${rs.metadata.name}-`,
        namespace: rs.metadata.namespace,
        labels: meta.labels,
        annotations: meta.annotations,
        finalizers: meta.finalizers,
        ownerReferences: [newControllerRef(rs, this.kind.apiVersion, this.kind.kind)],
      },
      spec: template.spec,
    } as Pod;
  }

  private async updateStatus(rs: T, status: NonNullable<T["status"]>): Promise<void> {
    const client = this.deps.clientFor<T>(this.kind.resource, rs.metadata.namespace ?? "");
    try {
      await client.updateStatus({ ...structuredClone(rs), status });
    } catch (err) {
      if (isNotFound(err)) return;
      throw err; // a conflict: the newer object is on its way and will be synced again
    }
  }
}
