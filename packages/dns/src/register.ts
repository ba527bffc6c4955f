/**
 * Registration: makes the kube-dns Service point at this kates-dns, the way the apiserver
 * publishes itself behind `kubernetes`. The Service kube-system/kube-dns (fixed ClusterIP,
 * no selector, so the endpoint controllers leave its endpoints alone) is created if
 * missing; every replica owns one EndpointSlice named after its address and adds its
 * address to the shared legacy Endpoints (read-modify-write, retried on conflict). On a
 * graceful stop both are withdrawn. Which other replicas are still alive is decided by
 * endpoint-leases.ts.
 */
import { findResource, isAlreadyExists, isConflict, isNotFound, type EndpointSlice, type Endpoints, type EndpointSubset, type Service } from "@kates/api";
import type { RestClient } from "@kates/client";
import { SERVICE_NAME_LABEL } from "./records.js";

const SERVICES = findResource("", "v1", "services")!;
const ENDPOINTS = findResource("", "v1", "endpoints")!;
const SLICES = findResource("discovery.k8s.io", "v1", "endpointslices")!;

export const SERVICE_NAMESPACE = "kube-system";
export const SERVICE_NAME = "kube-dns";
export const MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";
export const MANAGED_BY = "kates-dns";

export interface RegistrationOptions {
  /** ClusterIP of kube-dns (10.96.0.10). */
  clusterIP: string;
  /** Where pods reach this replica. */
  address: string;
  /** The port this replica serves DNS on (the Service's targetPort). */
  port: number;
}

/** This replica's EndpointSlice name: `kube-dns-` and its address with dots and colons as dashes. */
export function sliceName(address: string): string {
  return `${SERVICE_NAME}-${address.toLowerCase().replace(/[^a-z0-9]/g, "-")}`;
}

const dnsPorts = (port: number) => [
  { name: "dns", protocol: "UDP" as const, port },
  { name: "dns-tcp", protocol: "TCP" as const, port },
];

const portsKey = (s: EndpointSubset) => JSON.stringify([...(s.ports ?? [])].map((p) => `${p.name}/${p.protocol}/${p.port}`).sort());

/**
 * Returns `subsets` with `address` added (present = true) or removed, grouped by port set;
 * with `alive`, every other address not in it is dropped too (replicas whose Lease expired).
 */
export function mergeSubsets(subsets: readonly EndpointSubset[], address: string, port: number, present: boolean, alive?: ReadonlySet<string>): EndpointSubset[] {
  const ours: EndpointSubset = { addresses: [], ports: dnsPorts(port) };
  const out: EndpointSubset[] = [];
  for (const s of subsets) {
    const keep = (a: { ip: string }) => a.ip !== address && (!alive || alive.has(a.ip));
    const kept = { ...s, addresses: (s.addresses ?? []).filter(keep), notReadyAddresses: (s.notReadyAddresses ?? []).filter(keep) };
    if (!kept.notReadyAddresses.length) delete (kept as EndpointSubset).notReadyAddresses;
    if (portsKey(kept) === portsKey(ours)) ours.addresses = kept.addresses;
    else if (kept.addresses.length || kept.notReadyAddresses?.length) out.push(kept);
  }
  if (present) ours.addresses = [...ours.addresses!, { ip: address }].sort((a, b) => a.ip.localeCompare(b.ip));
  if (ours.addresses!.length) out.push(ours);
  return out;
}

/** Keeps kube-dns pointing at this replica (see the file header). */
export class Registration {
  constructor(
    private readonly rest: RestClient,
    private readonly opts: RegistrationOptions,
  ) {}

  private get services() {
    return this.rest.resource<Service>(SERVICES, SERVICE_NAMESPACE);
  }

  private get endpoints() {
    return this.rest.resource<Endpoints>(ENDPOINTS, SERVICE_NAMESPACE);
  }

  private get slices() {
    return this.rest.resource<EndpointSlice>(SLICES, SERVICE_NAMESPACE);
  }

  /**
   * Ensures the Service, our slice and our address in the Endpoints; with `alive`, other
   * addresses not in it leave the Endpoints. Idempotent and cheap when nothing changed.
   */
  async ensure(alive?: ReadonlySet<string>): Promise<void> {
    const svc = await this.ensureService();
    await this.ensureSlice(svc);
    await this.updateEndpoints(true, alive);
  }

  /** Withdraws this replica: deletes its slice and removes its address from the Endpoints. */
  async withdraw(): Promise<void> {
    try {
      await this.slices.delete(sliceName(this.opts.address));
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    await this.updateEndpoints(false);
  }

  private async ensureService(): Promise<Service> {
    try {
      return await this.services.get(SERVICE_NAME);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const svc: Service = {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: SERVICE_NAME, namespace: SERVICE_NAMESPACE, labels: { "k8s-app": "kube-dns" } },
      spec: {
        clusterIP: this.opts.clusterIP,
        ports: [
          { name: "dns", protocol: "UDP", port: 53, targetPort: this.opts.port },
          { name: "dns-tcp", protocol: "TCP", port: 53, targetPort: this.opts.port },
        ],
      },
    };
    try {
      return await this.services.create(svc);
    } catch (err) {
      if (isAlreadyExists(err)) return this.services.get(SERVICE_NAME);
      throw err;
    }
  }

  private async ensureSlice(svc: Service): Promise<void> {
    const name = sliceName(this.opts.address);
    const desired: EndpointSlice = {
      apiVersion: "discovery.k8s.io/v1",
      kind: "EndpointSlice",
      metadata: {
        name,
        namespace: SERVICE_NAMESPACE,
        labels: { [SERVICE_NAME_LABEL]: SERVICE_NAME, [MANAGED_BY_LABEL]: MANAGED_BY },
        ownerReferences: [{ apiVersion: "v1", kind: "Service", name: SERVICE_NAME, uid: svc.metadata.uid! }],
      },
      addressType: this.opts.address.includes(":") ? "IPv6" : "IPv4",
      endpoints: [{ addresses: [this.opts.address], conditions: { ready: true, serving: true, terminating: false } }],
      ports: dnsPorts(this.opts.port),
    };
    let current: EndpointSlice | undefined;
    try {
      current = await this.slices.get(name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    if (!current) {
      try {
        await this.slices.create(desired);
      } catch (err) {
        if (!isAlreadyExists(err)) throw err;
      }
      return;
    }
    const same = JSON.stringify([current.endpoints, current.ports, current.metadata.labels, current.metadata.ownerReferences?.[0]?.uid]) === JSON.stringify([desired.endpoints, desired.ports, desired.metadata.labels, svc.metadata.uid]);
    if (same) return;
    await this.slices.update({ ...desired, metadata: { ...current.metadata, labels: desired.metadata.labels, ownerReferences: desired.metadata.ownerReferences } });
  }

  private async updateEndpoints(present: boolean, alive?: ReadonlySet<string>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      let current: Endpoints | undefined;
      try {
        current = await this.endpoints.get(SERVICE_NAME);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      const subsets = mergeSubsets(current?.subsets ?? [], this.opts.address, this.opts.port, present, alive);
      if (JSON.stringify(subsets) === JSON.stringify(current?.subsets ?? [])) return;
      try {
        if (current) await this.endpoints.update({ ...current, subsets });
        else await this.endpoints.create({ apiVersion: "v1", kind: "Endpoints", metadata: { name: SERVICE_NAME, namespace: SERVICE_NAMESPACE, labels: { "k8s-app": "kube-dns" } }, subsets });
        return;
      } catch (err) {
        if ((!isConflict(err) && !isAlreadyExists(err)) || attempt >= 10) throw err;
      }
    }
  }
}
