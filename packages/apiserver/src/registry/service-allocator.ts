/**
 * ClusterIP and NodePort allocation. Each allocated IP or port is an etcd key claimed in
 * the same transaction that writes the Service (create-if-absent), so two apiservers can
 * never hand out the same address: the loser's transaction fails and it picks again. The
 * keys are deleted in the transaction that deletes the Service (or drops the port). A
 * LoadBalancer with externalTrafficPolicy Local also holds spec.healthCheckNodePort, a key in
 * the same node port space (kube-proxy serves its load-balancer health check there).
 *
 * As Kubernetes does since 1.27 (KEP-3070), dynamic IPs come from the upper part of the
 * range so that the lower part stays free for addresses users ask for explicitly.
 */
import { fieldErrors, InvalidError, type KObject } from "@kates/api";
import type { TxnExtra } from "../storage/etcd-store.js";

export const CLUSTER_IP_PREFIX = "/registry/ranges/serviceips/";
export const NODE_PORT_PREFIX = "/registry/ranges/servicenodeports/";

export interface ServiceRanges {
  /** e.g. 10.96.0.0/12 */
  clusterIPRange: string;
  /** e.g. 30000-32767 */
  nodePortRange: string;
}

interface Cidr { base: number; size: number; text: string }

export function parseCidr(text: string): Cidr {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(text);
  if (!m) throw new Error(`invalid CIDR ${text}`);
  const bits = Number(m[5]);
  const ip = ipToInt(`${m[1]}.${m[2]}.${m[3]}.${m[4]}`);
  const size = 2 ** (32 - bits);
  return { base: ip - (ip % size), size, text };
}

export function ipToInt(ip: string): number {
  const p = ip.split(".").map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return NaN;
  return ((p[0] * 256 + p[1]) * 256 + p[2]) * 256 + p[3];
}

export const intToIp = (n: number): string => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");

export function parsePortRange(text: string): { min: number; max: number } {
  const m = /^(\d+)-(\d+)$/.exec(text);
  if (!m || Number(m[1]) > Number(m[2])) throw new Error(`invalid port range ${text}`);
  return { min: Number(m[1]), max: Number(m[2]) };
}

/** The first address of the range: the `kubernetes` Service's, as in Kubernetes. */
export function firstServiceIP(range: string): string {
  return intToIp(parseCidr(range).base + 1);
}

type Svc = KObject & {
  spec?: { type?: string; clusterIP?: string; clusterIPs?: string[]; ports?: { nodePort?: number; port?: number }[]; externalTrafficPolicy?: string; healthCheckNodePort?: number };
};

/**
 * Whether the Service needs a health check node port: a LoadBalancer with externalTrafficPolicy
 * Local only answers on nodes with a local endpoint, and load balancers find those by probing it.
 */
export const needsHealthCheckPort = (svc: Svc | undefined): boolean => svc?.spec?.type === "LoadBalancer" && svc.spec.externalTrafficPolicy === "Local";

/** What a Service needs allocated: its cluster IP (unless headless/ExternalName) and node ports. */
function wants(svc: Svc) {
  const type = svc.spec?.type ?? "ClusterIP";
  const ip = type !== "ExternalName" && svc.spec?.clusterIP !== "None";
  const ports = type === "NodePort" || type === "LoadBalancer";
  return { ip, ports };
}

export class ServiceAllocator {
  private readonly cidr: Cidr;
  private readonly ports: { min: number; max: number };

  constructor(readonly ranges: ServiceRanges, private readonly used: (prefix: string) => Promise<Set<string>>) {
    this.cidr = parseCidr(ranges.clusterIPRange);
    this.ports = parsePortRange(ranges.nodePortRange);
  }

  /**
   * Fills in spec.clusterIP(s) and node ports of `svc` (mutating it) and returns the keys
   * to claim. `old` is the stored Service on update: what it already holds is kept.
   */
  async allocate(svc: Svc, old?: Svc): Promise<TxnExtra> {
    const extra: Required<Pick<TxnExtra, "mustNotExist" | "puts" | "deletes">> = { mustNotExist: [], puts: [], deletes: [] };
    const owner = `${svc.metadata.namespace}/${svc.metadata.name}`;
    const w = wants(svc);
    const spec = (svc.spec ??= {});
    const oldIP = old?.spec?.clusterIP && old.spec.clusterIP !== "None" ? old.spec.clusterIP : undefined;
    if (w.ip) {
      if (oldIP && (!spec.clusterIP || spec.clusterIP === oldIP)) {
        spec.clusterIP = oldIP;
      } else {
        const ip = spec.clusterIP || (await this.pickIP());
        if (spec.clusterIP) this.checkIP(svc, ip);
        if (ip !== oldIP) {
          extra.mustNotExist.push(CLUSTER_IP_PREFIX + ip);
          extra.puts.push({ key: CLUSTER_IP_PREFIX + ip, value: owner });
        }
        spec.clusterIP = ip;
      }
      spec.clusterIPs = [spec.clusterIP];
    } else if (oldIP) {
      extra.deletes.push(CLUSTER_IP_PREFIX + oldIP);
    }
    if (svc.spec?.clusterIP === "None") spec.clusterIPs = ["None"];

    const held = new Set((wants(old ?? svc).ports ? old?.spec?.ports ?? [] : []).map((p) => p.nodePort).filter((p): p is number => !!p));
    // The health check port is a node port too (same range, same keys, so no Service port can take it).
    const oldHC = needsHealthCheckPort(old) ? old?.spec?.healthCheckNodePort : undefined;
    if (oldHC) held.add(oldHC);
    const keep = new Set<number>();
    const taken = new Set<number>();
    // Ports the user asked for are never handed out at random to another field of this Service
    // (picking first could take a requested port and then reject the request as a duplicate).
    const requested = new Set<number>([...(w.ports ? (spec.ports ?? []).map((p) => p.nodePort) : []), needsHealthCheckPort(svc) ? spec.healthCheckNodePort : undefined].filter((p): p is number => !!p));
    const pick = () => this.pickPort(new Set([...taken, ...requested]), held);
    if (w.ports) {
      for (const [i, p] of (spec.ports ?? []).entries()) {
        if (p.nodePort) {
          if (!held.has(p.nodePort)) {
            this.checkPort(svc, i, p.nodePort, taken);
            extra.mustNotExist.push(NODE_PORT_PREFIX + p.nodePort);
            extra.puts.push({ key: NODE_PORT_PREFIX + p.nodePort, value: owner });
          }
        } else {
          p.nodePort = await pick();
          extra.mustNotExist.push(NODE_PORT_PREFIX + p.nodePort);
          extra.puts.push({ key: NODE_PORT_PREFIX + p.nodePort, value: owner });
        }
        taken.add(p.nodePort);
        keep.add(p.nodePort);
      }
    } else {
      for (const p of spec.ports ?? []) delete p.nodePort;
    }
    if (needsHealthCheckPort(svc)) {
      const hc = spec.healthCheckNodePort;
      if (hc && hc === oldHC) {
        if (taken.has(hc)) this.checkPort(svc, -1, hc, taken);
      } else if (hc) {
        this.checkPort(svc, -1, hc, taken);
        extra.mustNotExist.push(NODE_PORT_PREFIX + hc);
        extra.puts.push({ key: NODE_PORT_PREFIX + hc, value: owner });
      } else {
        spec.healthCheckNodePort = await pick();
        extra.mustNotExist.push(NODE_PORT_PREFIX + spec.healthCheckNodePort);
        extra.puts.push({ key: NODE_PORT_PREFIX + spec.healthCheckNodePort, value: owner });
      }
      keep.add(spec.healthCheckNodePort!);
    } else if (spec.healthCheckNodePort) {
      // Only a Service that needs one may hold one (Kubernetes' validation says the same).
      throw new InvalidError("Service", svc.metadata.name ?? "", [
        fieldErrors.forbidden("spec.healthCheckNodePort", "may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"),
      ]);
    }
    for (const p of held) if (!keep.has(p)) extra.deletes.push(NODE_PORT_PREFIX + p);
    return extra;
  }

  /** Keys to delete when the Service goes away. */
  release(svc: Svc): TxnExtra {
    const deletes: string[] = [];
    const ip = svc.spec?.clusterIP;
    if (ip && ip !== "None") deletes.push(CLUSTER_IP_PREFIX + ip);
    for (const p of svc.spec?.ports ?? []) if (p.nodePort) deletes.push(NODE_PORT_PREFIX + p.nodePort);
    if (needsHealthCheckPort(svc) && svc.spec?.healthCheckNodePort) deletes.push(NODE_PORT_PREFIX + svc.spec.healthCheckNodePort);
    return { deletes };
  }

  /** The error for an explicitly requested address that another Service holds. */
  takenError(svc: Svc, key: string): InvalidError {
    const name = svc.metadata.name ?? "";
    if (key.startsWith(CLUSTER_IP_PREFIX)) {
      const ip = key.slice(CLUSTER_IP_PREFIX.length);
      return new InvalidError("Service", name, [fieldErrors.invalid("spec.clusterIPs", [ip], `failed to allocate IP ${ip}: provided IP is already allocated`)]);
    }
    const port = Number(key.slice(NODE_PORT_PREFIX.length));
    const i = (svc.spec?.ports ?? []).findIndex((p) => p.nodePort === port);
    // Kubernetes answers a taken healthCheckNodePort with a 500; a 422 naming the field is more useful.
    const field = i < 0 && svc.spec?.healthCheckNodePort === port ? "spec.healthCheckNodePort" : `spec.ports[${i}].nodePort`;
    return new InvalidError("Service", name, [fieldErrors.invalid(field, port, "provided port is already allocated")]);
  }

  private checkIP(svc: Svc, ip: string): void {
    const n = ipToInt(ip);
    if (Number.isNaN(n) || n <= this.cidr.base || n >= this.cidr.base + this.cidr.size - 1) {
      throw new InvalidError("Service", svc.metadata.name ?? "", [
        fieldErrors.invalid("spec.clusterIPs", [ip], `failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${this.cidr.text}`),
      ]);
    }
  }

  /** Range and duplicate checks of a requested node port; `i` < 0 means spec.healthCheckNodePort. */
  private checkPort(svc: Svc, i: number, port: number, taken: Set<number>): void {
    const field = i < 0 ? "spec.healthCheckNodePort" : `spec.ports[${i}].nodePort`;
    if (port < this.ports.min || port > this.ports.max) {
      throw new InvalidError("Service", svc.metadata.name ?? "", [
        fieldErrors.invalid(field, port, `provided port is not in the valid range. The range of valid ports is ${this.ranges.nodePortRange}`),
      ]);
    }
    if (taken.has(port)) throw new InvalidError("Service", svc.metadata.name ?? "", [fieldErrors.duplicate(field, port)]);
  }

  private async pickIP(): Promise<string> {
    const used = await this.used(CLUSTER_IP_PREFIX);
    const { base, size } = this.cidr;
    const reserved = Math.min(Math.max(16, Math.floor(size / 16)), 256);
    const lo = size > 2 * reserved ? reserved : 2;
    const span = size - 1 - lo;
    const start = Math.floor(Math.random() * span);
    for (let i = 0; i < span; i++) {
      const ip = intToIp(base + lo + ((start + i) % span));
      if (!used.has(ip)) return ip;
    }
    for (let off = 2; off < lo; off++) if (!used.has(intToIp(base + off))) return intToIp(base + off);
    throw new InvalidError("Service", "", [fieldErrors.invalid("spec.clusterIPs", [], `failed to allocate a serviceIP: range is full`)]);
  }

  private async pickPort(taken: Set<number>, held: Set<number>): Promise<number> {
    const used = await this.used(NODE_PORT_PREFIX);
    const span = this.ports.max - this.ports.min + 1;
    const start = Math.floor(Math.random() * span);
    for (let i = 0; i < span; i++) {
      const p = this.ports.min + ((start + i) % span);
      if (!used.has(String(p)) && !taken.has(p) && !held.has(p)) return p;
    }
    throw new InvalidError("Service", "", [fieldErrors.invalid("spec.ports", [], "failed to allocate a nodePort: range is full")]);
  }
}
