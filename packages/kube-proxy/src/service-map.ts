/**
 * Turns Services and their EndpointSlices (from the informer caches) into ServicePortInfo,
 * the one input both proxy modes render from. Headless and ExternalName Services get nothing:
 * they have no virtual IP to answer on.
 */
import type { EndpointSlice, Service, ServicePort } from "@kates/api";
import type { EndpointInfo, Proto, ServicePortInfo } from "./types.js";

/** The label an EndpointSlice carries naming its Service. */
export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";

const DEFAULT_AFFINITY_SECONDS = 10_800;

function proto(p: string | undefined): Proto {
  return (p ?? "TCP").toLowerCase() as Proto;
}

/** True when the Service has a virtual IP kube-proxy must answer on. */
export function hasClusterIP(svc: Service): boolean {
  const ip = svc.spec?.clusterIP;
  return svc.spec?.type !== "ExternalName" && !!ip && ip !== "None";
}

/**
 * Endpoints of one Service port from its slices: ready ones; if none is ready, those still
 * serving while terminating (Kubernetes' fallback, so a rolling restart of the last pod does
 * not drop connections). IPv4 slices only.
 */
export function endpointsFor(port: ServicePort, slices: EndpointSlice[]): EndpointInfo[] {
  return resolveEndpoints(port, slices).endpoints;
}

/** endpointsFor, also saying whether the endpoints are the terminating fallback. */
function resolveEndpoints(port: ServicePort, slices: EndpointSlice[]): { endpoints: EndpointInfo[]; terminating: boolean } {
  const ready = new Map<string, EndpointInfo>();
  const terminating = new Map<string, EndpointInfo>();
  const wantName = port.name ?? "";
  const wantProto = proto(port.protocol);
  for (const slice of slices) {
    if (slice.addressType !== "IPv4") continue;
    const sp = (slice.ports ?? []).find((p) => (p.name ?? "") === wantName && proto(p.protocol) === wantProto);
    if (!sp?.port) continue;
    for (const ep of slice.endpoints ?? []) {
      const c = ep.conditions ?? {};
      // A missing ready condition means ready, as the API documents.
      const isReady = c.ready ?? true;
      const target = isReady ? ready : (c.serving ?? isReady) && c.terminating ? terminating : undefined;
      if (!target) continue;
      for (const ip of ep.addresses ?? []) target.set(`${ip}:${sp.port}`, { ip, port: sp.port, ...(ep.nodeName && { nodeName: ep.nodeName }) });
    }
  }
  const chosen = ready.size ? ready : terminating;
  return { endpoints: [...chosen.values()].sort(compareEndpoints), terminating: !ready.size && terminating.size > 0 };
}

function compareEndpoints(a: EndpointInfo, b: EndpointInfo): number {
  return ipNumber(a.ip) - ipNumber(b.ip) || a.port - b.port;
}

function ipNumber(ip: string): number {
  const p = ip.split(".").map(Number);
  return p.length === 4 ? ((p[0]! * 256 + p[1]!) * 256 + p[2]!) * 256 + p[3]! : 0;
}

/** ServicePortInfo for every port of one Service, given the slices labelled with its name. */
export function servicePorts(svc: Service, slices: EndpointSlice[]): ServicePortInfo[] {
  if (!hasClusterIP(svc)) return [];
  const spec = svc.spec!;
  const namespace = svc.metadata.namespace ?? "default";
  const name = svc.metadata.name ?? "";
  const external = spec.type === "NodePort" || spec.type === "LoadBalancer";
  const lbIPs = spec.type === "LoadBalancer" ? (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((ip): ip is string => !!ip) : [];
  const affinitySeconds = spec.sessionAffinity === "ClientIP" ? (spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_SECONDS) : undefined;
  const hcPort = spec.type === "LoadBalancer" && spec.externalTrafficPolicy === "Local" && spec.healthCheckNodePort ? spec.healthCheckNodePort : undefined;
  return (spec.ports ?? []).map((p) => {
    const eps = resolveEndpoints(p, slices);
    return {
      key: `${namespace}/${name}:${p.name ?? ""}`,
      namespace,
      name,
      portName: p.name ?? "",
      protocol: proto(p.protocol),
      clusterIP: spec.clusterIP!,
      port: p.port,
      ...(external && p.nodePort && { nodePort: p.nodePort }),
      ...(external && spec.externalTrafficPolicy === "Local" && { externalPolicyLocal: true as const }),
      ...(spec.internalTrafficPolicy === "Local" && { internalPolicyLocal: true as const }),
      ...(hcPort !== undefined && { healthCheckNodePort: hcPort }),
      loadBalancerIPs: lbIPs,
      loadBalancerSourceRanges: lbIPs.length ? (spec.loadBalancerSourceRanges ?? []) : [],
      externalIPs: spec.externalIPs ?? [],
      ...(affinitySeconds !== undefined && { affinitySeconds }),
      endpoints: eps.endpoints,
      ...(eps.terminating && { terminatingFallback: true as const }),
    };
  });
}

/** Every Service port of the cluster, sorted by key so renderings are stable. */
export function buildServiceMap(services: Service[], slicesOf: (namespace: string, name: string) => EndpointSlice[]): ServicePortInfo[] {
  const out: ServicePortInfo[] = [];
  for (const svc of services) out.push(...servicePorts(svc, slicesOf(svc.metadata.namespace ?? "default", svc.metadata.name ?? "")));
  return out.sort(byKey);
}

const byKey = (a: ServicePortInfo, b: ServicePortInfo) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.protocol < b.protocol ? -1 : a.protocol > b.protocol ? 1 : 0);

/**
 * buildServiceMap with memory: a Service whose object and slices are unchanged (same
 * resourceVersions) keeps its ServicePortInfo objects, which also lets the renderer reuse
 * their rules by identity.
 */
export class ServiceMapCache {
  private cache = new Map<string, { fp: string; ports: ServicePortInfo[] }>();

  build(services: Service[], slicesOf: (namespace: string, name: string) => EndpointSlice[]): ServicePortInfo[] {
    const next = new Map<string, { fp: string; ports: ServicePortInfo[] }>();
    const out: ServicePortInfo[] = [];
    for (const svc of services) {
      const ns = svc.metadata.namespace ?? "default";
      const name = svc.metadata.name ?? "";
      const slices = slicesOf(ns, name);
      const fp = `${svc.metadata.uid}@${svc.metadata.resourceVersion}|${slices.map((s) => `${s.metadata.uid}@${s.metadata.resourceVersion}`).sort().join(",")}`;
      let entry = this.cache.get(`${ns}/${name}`);
      if (entry?.fp !== fp || !svc.metadata.resourceVersion) entry = { fp, ports: servicePorts(svc, slices) };
      next.set(`${ns}/${name}`, entry);
      out.push(...entry.ports);
    }
    this.cache = next;
    return out.sort(byKey);
  }
}
