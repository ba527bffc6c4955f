/**
 * Server-side printing: turns stored objects into the meta.k8s.io/v1 Table that
 * `kubectl get` renders, with the same columns Kubernetes' own printers produce.
 */
import type { KObject, ResourceInfo } from "@kates/api";
import { apiVersionOf } from "@kates/api";
import { col, nameColumn } from "./format.js";
import { podPrinter } from "./pod.js";
import { controllerRevisionPrinter, cronJobPrinter, daemonSetPrinter, deploymentPrinter, jobPrinter, replicaSetPrinter, replicationControllerPrinter, statefulSetPrinter } from "./workloads.js";
import { endpointSlicePrinter, endpointsPrinter, servicePrinter } from "./network.js";
import { eventPrinter, leasePrinter, namespacePrinter, nodePrinter } from "./cluster.js";
import { configMapPrinter, persistentVolumeClaimPrinter, persistentVolumePrinter, secretPrinter, serviceAccountPrinter } from "./storage.js";
import type { IncludeObject, RowPrinter, Table, TableRow } from "./types.js";

/** Kind printers by `group/Kind`. */
const PRINTERS: ReadonlyMap<string, RowPrinter> = new Map([
  ["/Pod", podPrinter],
  ["/Service", servicePrinter],
  ["/ReplicationController", replicationControllerPrinter],
  ["/Endpoints", endpointsPrinter],
  ["/Node", nodePrinter],
  ["/Namespace", namespacePrinter],
  ["/Event", eventPrinter],
  ["/ConfigMap", configMapPrinter],
  ["/Secret", secretPrinter],
  ["/ServiceAccount", serviceAccountPrinter],
  ["/PersistentVolume", persistentVolumePrinter],
  ["/PersistentVolumeClaim", persistentVolumeClaimPrinter],
  ["apps/Deployment", deploymentPrinter],
  ["apps/ReplicaSet", replicaSetPrinter],
  ["apps/StatefulSet", statefulSetPrinter],
  ["apps/DaemonSet", daemonSetPrinter],
  ["apps/ControllerRevision", controllerRevisionPrinter],
  ["batch/Job", jobPrinter],
  ["batch/CronJob", cronJobPrinter],
  ["coordination.k8s.io/Lease", leasePrinter],
  ["discovery.k8s.io/EndpointSlice", endpointSlicePrinter],
]);

/** RFC 3339 in UTC without fractions, as Go's time.RFC3339 prints; Go's zero time when unset. */
function rfc3339(ts: string | null | undefined): string {
  const t = ts ? Date.parse(ts) : NaN;
  if (Number.isNaN(t)) return "0001-01-01T00:00:00Z";
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Kubernetes' printer for kinds without one of their own: Name and Created At. */
export const defaultPrinter: RowPrinter = {
  columns: [nameColumn, col("Created At", "Time the object was created (metadata.creationTimestamp).", { type: "date" })],
  cells: (obj) => [obj.metadata.name, rfc3339(obj.metadata.creationTimestamp)],
};

/** The printer for a resource: its kind's own, or the Name/Created At default. */
export function printerFor(ri: Pick<ResourceInfo, "group" | "kind">): RowPrinter {
  return PRINTERS.get(`${ri.group}/${ri.kind}`) ?? defaultPrinter;
}

/** Options of toTable. */
export interface ToTableOptions {
  /** What each row carries: nothing, PartialObjectMetadata (the default), or the whole object. */
  includeObject?: IncludeObject;
  /** The list's resourceVersion; defaults to the object's own for a single object. */
  resourceVersion?: string;
  continue?: string;
  remainingItemCount?: number;
  /** false sends `columnDefinitions: null`, for watch events after the first. Default true. */
  withColumns?: boolean;
  /** The clock that ages are computed against. */
  now?: Date;
}

function rowObject(ri: ResourceInfo, obj: KObject, include: IncludeObject): unknown {
  if (include === "None") return undefined;
  if (include === "Object") return { ...obj, kind: ri.kind, apiVersion: apiVersionOf(ri) };
  // Managed fields are bulky and kubectl never shows them in tables.
  const { managedFields: _dropped, ...metadata } = obj.metadata;
  return { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata };
}

/**
 * Prints objects of one resource as a Table.
 * @example toTable(findResource("", "v1", "pods")!, pods, { resourceVersion: "1014" })
 */
export function toTable(ri: ResourceInfo, objects: KObject[], opts: ToTableOptions = {}): Table {
  const printer = printerFor(ri);
  const now = opts.now ?? new Date();
  const include = opts.includeObject ?? "Metadata";
  const rows = objects.map((obj): TableRow => {
    const row: TableRow = { cells: printer.cells(obj, now) };
    const conditions = printer.conditions?.(obj);
    if (conditions) row.conditions = conditions;
    const object = rowObject(ri, obj, include);
    if (object !== undefined) row.object = object;
    return row;
  });
  const metadata: Table["metadata"] = {};
  const rv = opts.resourceVersion ?? (objects.length === 1 ? objects[0].metadata.resourceVersion : undefined);
  if (rv !== undefined) metadata.resourceVersion = rv;
  if (opts.continue) metadata.continue = opts.continue;
  if (opts.remainingItemCount !== undefined) metadata.remainingItemCount = opts.remainingItemCount;
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata,
    columnDefinitions: opts.withColumns === false ? null : printer.columns.map((c) => ({ ...c })),
    rows,
  };
}
