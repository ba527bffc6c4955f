/**
 * What differs between kinds on the write path (Kubernetes' per-resource "strategy"):
 * status reset on create, pod graceful deletion and spec immutability, Service address
 * allocation, Job selectors, Namespace phases. (Pod spec immutability is in @kates/api's
 * validateUpdate, with the other immutability rules.) Everything else is generic (registry.ts).
 */
import { jobSelectorDefaults, prepareServiceUpdate, type DeleteOptions, type KObject, type ResourceInfo } from "@kates/api";
import type { TxnExtra } from "../storage/etcd-store.js";
import type { ServiceAllocator } from "./service-allocator.js";

export interface Strategy {
  /** Kind-specific preparation on create, before defaulting and validation. */
  prepareForCreate?(obj: KObject): void;
  /** Kind-specific preparation on an update of the main resource, before defaulting. */
  prepareForUpdate?(obj: KObject, old: KObject): void;
  /** Keys to claim/write/release in the same transaction as the write. */
  allocate?(obj: KObject, old?: KObject): Promise<TxnExtra>;
  release?(old: KObject): TxnExtra;
  /** Seconds of graceful deletion for this delete, or 0 to delete at once. */
  gracePeriod?(obj: KObject, opts: DeleteOptions): number;
  /** Error for a claimed key that was taken (explicitly requested addresses). */
  takenError?(obj: KObject, key: string): Error;
}

type Pod = KObject & { spec?: { nodeName?: string; terminationGracePeriodSeconds?: number }; status?: { phase?: string } };

const resetStatus: Strategy = { prepareForCreate: (o) => void (o.status = {}) };

const podStrategy: Strategy = {
  prepareForCreate(obj) {
    obj.status = { phase: "Pending" };
  },
  gracePeriod(obj, opts) {
    const pod = obj as Pod;
    // Unscheduled and finished pods have no kubelet to wait for: they go at once.
    if (!pod.spec?.nodeName || pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed") return 0;
    return Math.max(0, opts.gracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30);
  },
};

function serviceStrategy(allocator: ServiceAllocator): Strategy {
  return {
    prepareForCreate(obj) {
      obj.status = { loadBalancer: {} };
    },
    // Keeps addresses a PUT left out; drops type-dependent fields when the type changes.
    prepareForUpdate: (obj, old) => prepareServiceUpdate(obj as never, old as never),
    allocate: (obj, old) => allocator.allocate(obj, old),
    release: (old) => allocator.release(old),
    takenError: (obj, key) => allocator.takenError(obj, key),
  };
}

const namespaceStrategy: Strategy = {
  prepareForCreate(obj) {
    obj.status = { phase: "Active" };
  },
};

const jobStrategy: Strategy = {
  prepareForCreate(obj) {
    obj.status = {};
    jobSelectorDefaults(obj as never, obj.metadata.uid!);
  },
};

/** The strategy for a resource; resources with nothing special get an empty one. */
export function strategyFor(ri: ResourceInfo, allocator: ServiceAllocator): Strategy {
  switch (ri.resource) {
    case "pods": return podStrategy;
    case "services": return serviceStrategy(allocator);
    case "namespaces": return namespaceStrategy;
    case "jobs": return jobStrategy;
    case "deployments": case "replicasets": case "replicationcontrollers": case "statefulsets": case "daemonsets": case "cronjobs": case "persistentvolumeclaims":
      return resetStatus;
    default: return {};
  }
}
