/**
 * Printers for cluster-level and bookkeeping objects: Node, Namespace, Event, Lease.
 */
import type { KObject } from "@kates/api";
import { ageColumn, col, nameColumn } from "./format.js";
import { since } from "./duration.js";
import type { RowPrinter } from "./types.js";

interface NodeShape extends KObject {
  spec?: { unschedulable?: boolean };
  status?: {
    conditions?: { type: string; status: string }[];
    addresses?: { type: string; address: string }[];
    nodeInfo?: { kubeletVersion?: string; osImage?: string; kernelVersion?: string; containerRuntimeVersion?: string };
  };
}

const ROLE_PREFIX = "node-role.kubernetes.io/";
const LEGACY_ROLE_LABEL = "kubernetes.io/role";

/** Roles from `node-role.kubernetes.io/<role>` labels (and the legacy `kubernetes.io/role`), sorted. */
export function nodeRoles(labels: Record<string, string> | undefined): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (k.startsWith(ROLE_PREFIX) && k.length > ROLE_PREFIX.length) roles.add(k.slice(ROLE_PREFIX.length));
    else if (k === LEGACY_ROLE_LABEL && v !== "") roles.add(v);
  }
  return [...roles].sort();
}

/** The node Status cell: `Ready`/`NotReady` (any non-True Ready condition), `Unknown` without one, plus `,SchedulingDisabled`. */
export function nodeStatus(node: NodeShape): string {
  const ready = (node.status?.conditions ?? []).find((c) => c.type === "Ready");
  const parts = [ready ? (ready.status === "True" ? "Ready" : "NotReady") : "Unknown"];
  if (node.spec?.unschedulable) parts.push("SchedulingDisabled");
  return parts.join(",");
}

const address = (node: NodeShape, type: string) => (node.status?.addresses ?? []).find((a) => a.type === type)?.address ?? "<none>";

/** Nodes: Status, Roles, Version; wide addresses and node info. */
export const nodePrinter: RowPrinter = {
  columns: [
    nameColumn,
    col("Status", "The status of the node"),
    col("Roles", "The roles of the node"),
    ageColumn,
    col("Version", "Kubelet version reported by the node."),
    col("Internal-IP", "The node's internal address.", { wide: true }),
    col("External-IP", "The node's external address.", { wide: true }),
    col("OS-Image", "OS image reported by the node.", { wide: true }),
    col("Kernel-Version", "Kernel version reported by the node.", { wide: true }),
    col("Container-Runtime", "Container runtime and version reported by the node.", { wide: true }),
  ],
  cells(obj, now) {
    const node = obj as NodeShape;
    const info = node.status?.nodeInfo ?? {};
    return [
      node.metadata.name,
      nodeStatus(node),
      nodeRoles(node.metadata.labels).join(",") || "<none>",
      since(node.metadata.creationTimestamp, now),
      info.kubeletVersion ?? "",
      address(node, "InternalIP"),
      address(node, "ExternalIP"),
      info.osImage || "<unknown>",
      info.kernelVersion || "<unknown>",
      info.containerRuntimeVersion || "<unknown>",
    ];
  },
};

/** Namespaces: Status (the phase). */
export const namespacePrinter: RowPrinter = {
  columns: [nameColumn, col("Status", "The status of the namespace"), ageColumn],
  cells(obj, now) {
    const ns = obj as KObject & { status?: { phase?: string } };
    return [ns.metadata.name, ns.status?.phase ?? "", since(ns.metadata.creationTimestamp, now)];
  },
};

interface EventShape extends KObject {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  eventTime?: string | null;
  series?: { count?: number; lastObservedTime?: string };
  involvedObject?: { kind?: string; name?: string; fieldPath?: string };
  source?: { component?: string; host?: string };
  reportingComponent?: string;
  reportingInstance?: string;
}

/** Events. Kubernetes orders these columns differently from the rest: Name comes last and is wide. */
export const eventPrinter: RowPrinter = {
  columns: [
    col("Last Seen", "When the event was last observed."),
    col("Type", "Type of the event (Normal, Warning)."),
    col("Reason", "Short, machine-readable reason for the event."),
    col("Object", "The object the event is about."),
    col("Subobject", "The part of the object the event is about (involvedObject.fieldPath).", { wide: true }),
    col("Source", "The component (and host) that reported the event.", { wide: true }),
    col("Message", "Human-readable description of the event."),
    col("First Seen", "When the event was first observed.", { wide: true }),
    col("Count", "How many times the event occurred.", { wide: true }),
    col("Name", "Name of the event object.", { wide: true, format: "name" }),
  ],
  cells(obj, now) {
    const ev = obj as EventShape;
    const first = ev.firstTimestamp ? since(ev.firstTimestamp, now) : since(ev.eventTime, now);
    let last = ev.lastTimestamp ? since(ev.lastTimestamp, now) : first;
    let count = ev.count ?? 0;
    if (ev.series) {
      last = since(ev.series.lastObservedTime, now);
      count = ev.series.count ?? 0;
    } else if (count === 0) {
      count = 1; // events.k8s.io singletons carry no count
    }
    const io = ev.involvedObject ?? {};
    const kind = (io.kind ?? "").toLowerCase();
    const target = io.name ? `${kind}/${io.name}` : kind;
    const component = ev.source?.component || ev.reportingComponent || "";
    const host = ev.source?.host || ev.reportingInstance || "";
    return [last, ev.type ?? "", ev.reason ?? "", target, io.fieldPath ?? "", host ? `${component}, ${host}` : component, (ev.message ?? "").trim(), first, count, ev.metadata.name];
  },
};

/** Leases: Holder. */
export const leasePrinter: RowPrinter = {
  columns: [nameColumn, col("Holder", "The identity of the current holder of the lease."), ageColumn],
  cells(obj, now) {
    const lease = obj as KObject & { spec?: { holderIdentity?: string | null } };
    return [lease.metadata.name, lease.spec?.holderIdentity ?? "", since(lease.metadata.creationTimestamp, now)];
  },
};
