/**
 * Helpers shared by the Job, CronJob, DaemonSet, StatefulSet and volume controllers: a thin
 * write interface (so unit tests can record actions instead of talking HTTP), controller
 * owner references, the pod event handlers (watchOwnedPods), pod state predicates, template
 * hashing and the queue runner.
 *
 * Owner references, pod state, canonical JSON and the event sink come from controllers/shared/
 * (expectations too: these controllers use its CountingExpectations). The write seam stays
 * here: shared/'s ObjectClient is per resource and namespace, this one takes the resource per
 * call, and porting five controllers and their tests between the two is not a mechanical move.
 */
import { createHash } from "node:crypto";
import { findResource, isConflict, type KObject, type Pod, type PodTemplateSpec, type ResourceInfo } from "@kates/api";
import { runWorkers, waitForCacheSync, type DeleteCallOptions, type Informer, type Logger, type RestClient, type WorkQueue } from "@kates/client";
import type { CountingExpectations } from "../shared/expectations.js";
import { canonicalJson } from "../shared/hash.js";
import type { EventSink } from "../shared/workload-client.js";

/** The resources these controllers read and write. */
export const R = {
  pods: findResource("", "v1", "pods")!,
  nodes: findResource("", "v1", "nodes")!,
  pvcs: findResource("", "v1", "persistentvolumeclaims")!,
  pvs: findResource("", "v1", "persistentvolumes")!,
  jobs: findResource("batch", "v1", "jobs")!,
  cronjobs: findResource("batch", "v1", "cronjobs")!,
  daemonsets: findResource("apps", "v1", "daemonsets")!,
  statefulsets: findResource("apps", "v1", "statefulsets")!,
} satisfies Record<string, ResourceInfo>;

/** The writes a controller makes; RestClient-backed in production, recording in tests. */
export interface ObjectClient {
  create<T extends KObject>(ri: ResourceInfo, namespace: string | undefined, obj: T): Promise<T>;
  update<T extends KObject>(ri: ResourceInfo, obj: T): Promise<T>;
  updateStatus<T extends KObject>(ri: ResourceInfo, obj: T): Promise<T>;
  delete(ri: ResourceInfo, namespace: string | undefined, name: string, opts?: DeleteCallOptions): Promise<void>;
}

/** Where controllers send events (EventRecorder satisfies it). */
export type Recorder = EventSink;

/** An ObjectClient over the real REST client. */
export function restObjectClient(rest: RestClient): ObjectClient {
  const rc = (ri: ResourceInfo, ns: string | undefined) => rest.resource<KObject>(ri, ri.namespaced ? ns : undefined);
  return {
    create: async (ri, ns, obj) => (await rc(ri, ns).create(obj)) as typeof obj,
    update: async (ri, obj) => (await rc(ri, obj.metadata.namespace).update(obj)) as typeof obj,
    updateStatus: async (ri, obj) => (await rc(ri, obj.metadata.namespace).updateStatus(obj)) as typeof obj,
    delete: async (ri, ns, name, opts) => void (await rc(ri, ns).delete(name, opts)),
  };
}

// Owner references and pod state come from shared/, which the ReplicaSet and Deployment
// controllers use too: one definition of "active", "ready" and "available" for all workloads.
export { getControllerOf as controllerRef, newControllerRef, isPodActive, isPodReady } from "../shared/controller-utils.js";
import { getControllerOf as controllerRef, isPodAvailable as sharedIsPodAvailable } from "../shared/controller-utils.js";

/** True if `obj` is controlled by the object with uid `uid`. */
export const isControlledBy = (obj: KObject, uid: string | undefined): boolean => !!uid && controllerRef(obj)?.uid === uid;

/** The queue key of a child's controller if it is of `kind`, else undefined. */
export function ownerKey(obj: KObject, kind: string): string | undefined {
  const ref = controllerRef(obj);
  if (!ref || ref.kind !== kind) return undefined;
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${ref.name}` : ref.name;
}

/**
 * Routes pod events to the controller of `kind` that owns the pod: a new pod fulfils a
 * creation it expected, a pod starting to terminate or gone fulfils a deletion, and the owner is
 * queued. A pod whose controller changed (orphaned or adopted) queues its old owner too.
 */
export function watchOwnedPods(pods: Informer<Pod>, kind: string, expectations: CountingExpectations, enqueue: (key: string) => void): void {
  pods.on("add", (pod) => {
    const key = ownerKey(pod, kind);
    if (!key) return;
    expectations.creationObserved(key);
    enqueue(key);
  });
  pods.on("update", (old, pod) => {
    const key = ownerKey(pod, kind);
    if (key && pod.metadata.deletionTimestamp && !old.metadata.deletionTimestamp) expectations.deletionObserved(key);
    if (key) enqueue(key);
    const oldKey = ownerKey(old, kind);
    if (oldKey && oldKey !== key) enqueue(oldKey);
  });
  pods.on("delete", (pod) => {
    const key = ownerKey(pod, kind);
    if (!key) return;
    if (!pod.metadata.deletionTimestamp) expectations.deletionObserved(key);
    enqueue(key);
  });
}

/** Ready for at least minReadySeconds at `now` (ms). */
export function isPodAvailable(p: Pod, minReadySeconds: number | undefined, now: number): boolean {
  return sharedIsPodAvailable(p, minReadySeconds ?? 0, now);
}

/**
 * A stable short hash of a pod template, the value of `controller-revision-hash` style labels.
 * It is deliberately not shared/'s computeHash (FNV-32a, safe alphabet): DaemonSet pods carry
 * this value as their revision label and StatefulSet revisions are named after it, so another
 * function would make every existing pod look outdated and roll all of them on upgrade.
 */
export function templateHash(template: PodTemplateSpec | undefined): string {
  const h = createHash("sha256").update(canonicalJson(template ?? {})).digest("hex");
  // Lower-case hex letters and digits are valid in label values and names.
  return h.slice(0, 10);
}

/** RFC 3339 with second precision, as Kubernetes writes times. */
export const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** True if two values serialize identically, ignoring key order (status change detection). */
export const sameJson = (a: unknown, b: unknown): boolean => canonicalJson(a) === canonicalJson(b);

/** Waits for every informer, then runs the queue's workers until `signal` aborts. */
export async function runQueue(
  queue: WorkQueue<string>,
  informers: { waitForSync(signal?: AbortSignal): Promise<boolean> }[],
  workers: number,
  sync: (key: string) => Promise<void>,
  signal: AbortSignal,
  log: Logger,
): Promise<void> {
  if (!(await waitForCacheSync(signal, ...informers))) return;
  // A conflict only means our cache was behind our own last write: retry soon, quietly.
  const quiet = async (key: string) => {
    try {
      await sync(key);
    } catch (err) {
      if (!isConflict(err)) throw err;
      log.debug({ key }, "conflict, retrying with a fresher cache");
      queue.addAfter(key, 50);
    }
  };
  await runWorkers(queue, workers, quiet, signal, log);
}
