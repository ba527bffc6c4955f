/**
 * RecordIndex: the cluster's DNS names, computed from Services and EndpointSlices (the
 * Kubernetes DNS-based service discovery spec):
 * - `SVC.NS.svc.DOMAIN` A/AAAA: the ClusterIP(s); for a headless Service one record per
 *   ready endpoint address (all of them with publishNotReadyAddresses);
 * - `HOSTNAME.SVC.NS.svc.DOMAIN` for headless endpoints with a hostname (StatefulSet pods),
 *   `A-B-C-D.SVC.NS.svc.DOMAIN` for the others (the SRV targets);
 * - `_PORT._PROTO.SVC.NS.svc.DOMAIN` SRV per named port (per endpoint when headless);
 * - ExternalName Services: a CNAME; PTR records for ClusterIPs and named endpoints;
 * - `A-B-C-D.NS.pod.DOMAIN` A: the address spelled in the name (CoreDNS' "pods insecure").
 * Ancestors of every name exist too (empty non-terminals), so they get NODATA, not NXDOMAIN.
 * Pure: no I/O; the daemon rebuilds it from its informer caches after a change.
 */
import type { EndpointSlice, Service } from "@kates/api";
import { CLASS_IN, Rcode, RRType, type ResourceRecord, type SoaData, type SrvData } from "./wire.js";

export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";

interface Entry {
  a: string[];
  aaaa: string[];
  srv: SrvData[];
  cname?: string;
  ptr?: string;
}

/** What the index answers for one question; `chase` is an out-of-cluster CNAME target to resolve upstream. */
export interface LookupResult {
  rcode: typeof Rcode.NOERROR | typeof Rcode.NXDOMAIN;
  answers: ResourceRecord[];
  authorities: ResourceRecord[];
  additionals: ResourceRecord[];
  chase?: string;
}

export interface IndexOptions {
  /** Cluster domain, e.g. cluster.local. */
  domain: string;
  /** TTL of every answer, seconds. */
  ttl: number;
}

const lower = (n: string) => n.toLowerCase().replace(/\.$/, "");
const dashed = (ip: string) => ip.replace(/[.:]/g, "-");

/** The reverse-lookup name of an IPv4 or IPv6 address. */
export function reverseName(ip: string): string {
  if (!ip.includes(":")) return `${ip.split(".").reverse().join(".")}.in-addr.arpa`;
  const [head, tail] = ip.includes("::") ? ip.split("::") : [ip, undefined];
  const h = head ? head.split(":") : [];
  const t = tail ? tail.split(":") : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill("0"), ...t];
  return `${groups.map((g) => g.padStart(4, "0")).join("").split("").reverse().join(".")}.ip6.arpa`;
}

function podAddress(label: string): string | undefined {
  const v4 = label.split("-");
  if (v4.length === 4 && v4.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return v4.join(".");
  if (/^[0-9a-f-]+$/.test(label) && label.includes("--") === false && label.split("-").length === 8) return label.replace(/-/g, ":");
  return undefined;
}

/** The DNS view of the cluster (see the file header). */
export class RecordIndex {
  private entries = new Map<string, Entry>();
  private exists = new Set<string>();
  private readonly domain: string;
  private serial = 1;

  constructor(private readonly opts: IndexOptions) {
    this.domain = lower(opts.domain);
  }

  /** True for names this server is authoritative for (the cluster domain). */
  inDomain(name: string): boolean {
    const n = lower(name);
    return n === this.domain || n.endsWith(`.${this.domain}`);
  }

  /** True for reverse names of addresses the index knows (other reverse names go upstream). */
  knowsReverse(name: string): boolean {
    return this.entries.get(lower(name))?.ptr !== undefined;
  }

  /** Replaces the contents with what `services` and `slices` describe. */
  rebuild(services: readonly Service[], slices: readonly EndpointSlice[]): void {
    this.entries = new Map();
    this.exists = new Set([this.domain, `svc.${this.domain}`, `pod.${this.domain}`]);
    this.serial = (this.serial % 0xffffffff) + 1;
    const slicesBySvc = new Map<string, EndpointSlice[]>();
    for (const s of slices) {
      const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
      if (!svc) continue;
      const key = `${s.metadata.namespace}/${svc}`;
      slicesBySvc.set(key, [...(slicesBySvc.get(key) ?? []), s]);
    }
    for (const svc of services) this.addService(svc, slicesBySvc.get(`${svc.metadata.namespace}/${svc.metadata.name}`) ?? []);
  }

  private entry(name: string): Entry {
    const n = lower(name);
    let e = this.entries.get(n);
    if (!e) {
      e = { a: [], aaaa: [], srv: [] };
      this.entries.set(n, e);
      for (let i = n.indexOf("."); i >= 0; i = n.indexOf(".", i + 1)) this.exists.add(n.slice(i + 1));
    }
    return e;
  }

  private addAddress(name: string, ip: string): void {
    const e = this.entry(name);
    const list = ip.includes(":") ? e.aaaa : e.a;
    if (!list.includes(ip)) list.push(ip);
  }

  private addService(svc: Service, slices: EndpointSlice[]): void {
    const spec = svc.spec ?? {};
    const base = `${svc.metadata.name}.${svc.metadata.namespace}.svc.${this.domain}`;
    if (spec.type === "ExternalName") {
      if (spec.externalName) this.entry(base).cname = lower(spec.externalName);
      return;
    }
    const clusterIPs = (spec.clusterIPs?.length ? spec.clusterIPs : [spec.clusterIP ?? ""]).filter((ip) => ip && ip !== "None");
    if (clusterIPs.length > 0) {
      for (const ip of clusterIPs) {
        this.addAddress(base, ip);
        this.entry(reverseName(ip)).ptr = base;
      }
      for (const p of spec.ports ?? []) {
        if (p.name) this.addSrv(base, p.name, p.protocol ?? "TCP", { priority: 0, weight: 100, port: p.port, target: base });
      }
      return;
    }
    if (spec.clusterIP !== "None") return; // not allocated yet
    this.entry(base); // a headless Service without endpoints still exists (NODATA)
    const targets: { name: string; slice: EndpointSlice }[] = [];
    for (const slice of slices) {
      if (slice.addressType === "FQDN") continue;
      for (const ep of slice.endpoints ?? []) {
        if (ep.conditions?.ready === false && !spec.publishNotReadyAddresses) continue;
        for (const ip of ep.addresses ?? []) {
          this.addAddress(base, ip);
          const name = `${ep.hostname ?? dashed(ip)}.${base}`;
          this.addAddress(name, ip);
          if (ep.hostname) this.entry(reverseName(ip)).ptr = name;
          targets.push({ name, slice });
        }
      }
    }
    const weight = targets.length > 0 ? Math.max(1, Math.floor(100 / targets.length)) : 100;
    for (const t of targets) {
      for (const p of t.slice.ports ?? []) {
        if (p.name && p.port !== undefined) this.addSrv(base, p.name, p.protocol ?? "TCP", { priority: 0, weight, port: p.port, target: t.name });
      }
    }
  }

  private addSrv(base: string, port: string, protocol: string, srv: SrvData): void {
    const named = this.entry(`_${port}._${protocol.toLowerCase()}.${base}`);
    named.srv.push(srv);
    // CoreDNS also answers SRV on the Service name itself, with every named port.
    this.entry(base).srv.push(srv);
  }

  private soa(): ResourceRecord {
    const data: SoaData = { mname: `ns.dns.${this.domain}`, rname: `hostmaster.${this.domain}`, serial: this.serial, refresh: 7200, retry: 1800, expire: 86400, minimum: this.opts.ttl };
    return { name: this.domain, type: RRType.SOA, class: CLASS_IN, ttl: this.opts.ttl, data };
  }

  private rr(name: string, type: number, data: ResourceRecord["data"]): ResourceRecord {
    return { name, type, class: CLASS_IN, ttl: this.opts.ttl, data };
  }

  private addressRecords(owner: string, e: Entry, qtype: number): ResourceRecord[] {
    const out: ResourceRecord[] = [];
    if (qtype === RRType.A || qtype === RRType.ANY) for (const ip of e.a) out.push(this.rr(owner, RRType.A, { address: ip }));
    if (qtype === RRType.AAAA || qtype === RRType.ANY) for (const ip of e.aaaa) out.push(this.rr(owner, RRType.AAAA, { address: ip }));
    return out;
  }

  /** Answers `name`/`qtype`; `name` keeps its case in the answers (clients may randomise it). */
  lookup(name: string, qtype: number): LookupResult {
    const n = lower(name);
    const owner = name.replace(/\.$/, "");
    const result: LookupResult = { rcode: Rcode.NOERROR, answers: [], authorities: [], additionals: [] };
    let e = this.entries.get(n) ?? this.podEntry(n);
    if (!e) {
      if (!this.exists.has(n)) result.rcode = Rcode.NXDOMAIN;
      result.authorities.push(this.soa());
      return result;
    }
    if (e.cname && qtype !== RRType.CNAME) {
      result.answers.push(this.rr(owner, RRType.CNAME, { target: e.cname }));
      if (!this.inDomain(e.cname)) {
        result.chase = e.cname;
        return result;
      }
      const target = this.entries.get(e.cname);
      if (!target) return result;
      return this.fill(result, e.cname, target, qtype);
    }
    if (e.cname) {
      result.answers.push(this.rr(owner, RRType.CNAME, { target: e.cname }));
      return result;
    }
    return this.fill(result, owner, e, qtype);
  }

  private fill(result: LookupResult, owner: string, e: Entry, qtype: number): LookupResult {
    result.answers.push(...this.addressRecords(owner, e, qtype));
    if (qtype === RRType.SRV || qtype === RRType.ANY) {
      for (const srv of e.srv) {
        result.answers.push(this.rr(owner, RRType.SRV, srv));
        const target = this.entries.get(lower(srv.target));
        if (target && !result.additionals.some((r) => lower(r.name) === lower(srv.target))) result.additionals.push(...this.addressRecords(srv.target, target, RRType.ANY));
      }
    }
    if ((qtype === RRType.PTR || qtype === RRType.ANY) && e.ptr) result.answers.push(this.rr(owner, RRType.PTR, { target: e.ptr }));
    if (result.answers.length === 0) result.authorities.push(this.soa());
    return result;
  }

  /** `A-B-C-D.NS.pod.DOMAIN`: any well-formed address in a namespace-shaped label. */
  private podEntry(n: string): Entry | undefined {
    const suffix = `.pod.${this.domain}`;
    if (!n.endsWith(suffix)) return undefined;
    const labels = n.slice(0, -suffix.length).split(".");
    if (labels.length !== 2) return undefined;
    const ip = podAddress(labels[0]!);
    if (!ip) return undefined;
    return ip.includes(":") ? { a: [], aaaa: [ip], srv: [] } : { a: [ip], aaaa: [], srv: [] };
  }
}
