/**
 * Printers for Services and their endpoints: Service, Endpoints, EndpointSlice.
 */
import type { KObject } from "@kates/api";
import { ageColumn, col, formatLabels, nameColumn } from "./format.js";
import { since } from "./duration.js";
import type { RowPrinter } from "./types.js";

interface ServicePort {
  port: number;
  nodePort?: number;
  protocol?: string;
}

interface ServiceShape extends KObject {
  spec?: {
    type?: string;
    clusterIP?: string;
    clusterIPs?: string[];
    externalIPs?: string[];
    externalName?: string;
    ports?: ServicePort[];
    selector?: Record<string, string>;
  };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

/** `80/TCP`, or `80:30080/TCP` with a node port, comma-joined. */
export function servicePorts(ports: ServicePort[] | undefined): string {
  return (ports ?? []).map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? "TCP"}` : `${p.port}/${p.protocol ?? "TCP"}`)).join(",");
}

/** The External-IP cell: external IPs, load-balancer ingress, `<pending>` or `<none>`. */
export function serviceExternalIP(svc: ServiceShape): string {
  const spec = svc.spec ?? {};
  const external = spec.externalIPs ?? [];
  switch (spec.type ?? "ClusterIP") {
    case "ClusterIP":
    case "NodePort":
      return external.length > 0 ? external.join(",") : "<none>";
    case "LoadBalancer": {
      const ingress = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || "").filter((s) => s !== "");
      const all = [...ingress, ...external];
      return all.length > 0 ? all.join(",") : "<pending>";
    }
    case "ExternalName":
      return spec.externalName ?? "";
    default:
      return "<unknown>";
  }
}

/** Services: Type, Cluster-IP, External-IP, Port(s); wide Selector. */
export const servicePrinter: RowPrinter = {
  columns: [
    nameColumn,
    col("Type", "How the service is exposed (ClusterIP, NodePort, LoadBalancer, ExternalName)."),
    col("Cluster-IP", "The virtual IP of the service inside the cluster."),
    col("External-IP", "Addresses the service is reachable at from outside the cluster."),
    col("Port(s)", "The ports the service exposes."),
    ageColumn,
    col("Selector", "Label query over the pods that back the service.", { wide: true }),
  ],
  cells(obj, now) {
    const svc = obj as ServiceShape;
    const spec = svc.spec ?? {};
    const clusterIP = spec.clusterIPs?.[0] || spec.clusterIP || "<none>";
    return [
      svc.metadata.name,
      spec.type ?? "ClusterIP",
      clusterIP,
      serviceExternalIP(svc),
      servicePorts(spec.ports) || "<none>",
      since(svc.metadata.creationTimestamp, now),
      formatLabels(spec.selector),
    ];
  },
};

interface EndpointsShape extends KObject {
  subsets?: { addresses?: { ip: string }[]; ports?: { port: number }[] }[];
}

const MAX_LISTED = 3;

/** A list cut at three entries: `a,b,c + 2 more...`. */
function listWithMore(list: string[], total: number): string {
  const text = list.slice(0, MAX_LISTED).join(",");
  return total > MAX_LISTED ? `${text} + ${total - MAX_LISTED} more...` : text;
}

/** The Endpoints cell: `ip:port` for every address and port, at most three, then `+ N more...`. */
export function formatEndpoints(ep: EndpointsShape): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return "<none>";
  const list: string[] = [];
  for (const ss of subsets) {
    const addrs = ss.addresses ?? [];
    // Headless services may have addresses without ports.
    if ((ss.ports ?? []).length === 0) list.push(...addrs.map((a) => a.ip));
    for (const p of ss.ports ?? []) list.push(...addrs.map((a) => (a.ip.includes(":") ? `[${a.ip}]:${p.port}` : `${a.ip}:${p.port}`)));
  }
  return listWithMore(list, list.length);
}

/** Endpoints: the `ip:port` list. */
export const endpointsPrinter: RowPrinter = {
  columns: [nameColumn, col("Endpoints", "The ready addresses and ports of the service's pods."), ageColumn],
  cells(obj, now) {
    return [obj.metadata.name, formatEndpoints(obj as EndpointsShape), since(obj.metadata.creationTimestamp, now)];
  },
};

interface EndpointSliceShape extends KObject {
  addressType?: string;
  ports?: { name?: string | null; port?: number | null }[] | null;
  endpoints?: { addresses?: string[] }[];
}

/** EndpointSlices: AddressType, Ports, Endpoints (each cut at three, `<unset>` when empty). */
export const endpointSlicePrinter: RowPrinter = {
  columns: [
    nameColumn,
    col("AddressType", "The type of address carried by this slice (IPv4, IPv6, FQDN)."),
    col("Ports", "The ports exposed by this slice."),
    col("Endpoints", "The addresses of the endpoints in this slice."),
    ageColumn,
  ],
  cells(obj, now) {
    const s = obj as EndpointSliceShape;
    const ports = (s.ports ?? []).map((p) => (p.port !== undefined && p.port !== null ? String(p.port) : p.name ? p.name : "*"));
    const addrs = (s.endpoints ?? []).flatMap((e) => e.addresses ?? []);
    return [s.metadata.name, s.addressType ?? "", listWithMore(ports, ports.length) || "<unset>", listWithMore(addrs, addrs.length) || "<unset>", since(s.metadata.creationTimestamp, now)];
  },
};
