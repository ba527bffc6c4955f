/**
 * Helpers shared by the Job, CronJob, DaemonSet, StatefulSet and volume controllers: a thin
 * write interface (so unit tests can record actions instead of talking HTTP), controller
 * owner references, pod state predicates, template hashing and creation expectations.
 *
 * Owner references and pod state are re-exported from controllers/shared/; what is left here
 * (the write seam, template hashing, expectations, the queue runner) still duplicates parts of
 * shared/ (ControllerExpectations, computeHash, workload-client) and should move there next.
 */
import { createHash } from "node:crypto";
import { findResource, isConflict, type KObject, type OwnerReference, type Pod, type PodTemplateSpec, type ResourceInfo } from "@kates/api";
import { runWorkers, waitForCacheSync, type DeleteCallOptions, type EventType, type Logger, type RestClient, type WorkQueue } from "@kates/client";

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
export interface Recorder {
  event(obj: KObject, type: EventType, reason: string, message: string): void;
}

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

/** Ready for at least minReadySeconds at `now` (ms). */
export function isPodAvailable(p: Pod, minReadySeconds: number | undefined, now: number): boolean {
  return sharedIsPodAvailable(p, minReadySeconds ?? 0, now);
}

/** A stable short hash of a pod template, the value of `controller-revision-hash` style labels. */
export function templateHash(template: PodTemplateSpec | undefined): string {
  const h = createHash("sha256").update(stableJson(template ?? {})).digest("hex");
  // Lower-case hex letters and digits are valid in label values and names.
  return h.slice(0, 10);
}

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  if (v && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

/** RFC 3339 with second precision, as Kubernetes writes times. */
export const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** True if two values serialize identically (status change detection). */
export const sameJson = (a: unknown, b: unknown): boolean => stableJson(a) === stableJson(b);

/**
 * Creations and deletions a controller has made but its informer has not yet shown
 * (client-go's ControllerExpectations): while any are outstanding, a sync must not create or
 * delete more, or a lagging cache would make it overshoot. Entries expire after `ttlMs` so a
 * lost watch event cannot wedge a controller.
 */
export class Expectations {
  private readonly pending = new Map<string, { add: number; del: number; at: number }>();

  constructor(private readonly now: () => number = Date.now, private readonly ttlMs = 5 * 60_000) {}

  expect(key: string, add: number, del: number): void {
    this.pending.set(key, { add, del, at: this.now() });
  }

  /** Undoes one expected creation that failed, or records one observed. */
  creationObserved(key: string): void {
    const e = this.pending.get(key);
    if (e && e.add > 0) e.add--;
  }

  deletionObserved(key: string): void {
    const e = this.pending.get(key);
    if (e && e.del > 0) e.del--;
  }

  satisfied(key: string): boolean {
    const e = this.pending.get(key);
    return !e || (e.add <= 0 && e.del <= 0) || this.now() - e.at > this.ttlMs;
  }

  forget(key: string): void {
    this.pending.delete(key);
  }
}

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
