/**
 * What a new cluster has before anyone creates anything, as kube-apiserver's bootstrap
 * controllers make it: the namespaces default, kube-system, kube-public and kube-node-lease,
 * and the `kubernetes` Service (first IP of the service range, 443/TCP) whose Endpoints list
 * every live apiserver. Liveness is an etcd key per apiserver bound to a short etcd lease,
 * so a dead apiserver drops out of the Endpoints within a TTL.
 */
import type { Etcd3, Lease } from "etcd3";
import type { Logger } from "pino";
import { isAlreadyExists, isNotFound, type KObject } from "@kates/api";
import type { Registry } from "./registry/registry.js";
import { firstServiceIP } from "./registry/service-allocator.js";

export const MASTER_LEASES_PREFIX = "/registry/masterleases/";
export const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];

export interface BootstrapOptions {
  advertiseAddress: string;
  port: number;
  serviceClusterIPRange: string;
  /** Seconds an apiserver stays listed after it stops renewing. */
  leaseTTLSeconds: number;
}

export class Bootstrapper {
  private lease: Lease | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly etcd: Etcd3,
    private readonly registries: { namespaces: Registry; services: Registry; endpoints: Registry; endpointslices: Registry },
    private readonly opts: BootstrapOptions,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    for (const name of SYSTEM_NAMESPACES) await this.ensure(this.registries.namespaces, undefined, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
    await this.ensure(this.registries.services, "default", this.kubernetesService());
    this.lease = this.etcd.lease(this.opts.leaseTTLSeconds, { autoKeepAlive: true });
    this.lease.on("lost", (err) => {
      this.log.warn({ err }, "apiserver endpoint lease lost; re-registering");
      this.lease = undefined;
    });
    await this.register();
    await this.reconcileEndpoints();
    this.timer = setInterval(() => void this.tick(), Math.max(1000, (this.opts.leaseTTLSeconds * 1000) / 3));
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    // Leaving at once (rather than after the TTL) lets clients fail over immediately.
    try {
      await this.lease?.revoke();
      await this.reconcileEndpoints();
    } catch (err) {
      this.log.debug({ err }, "could not deregister on shutdown");
    }
  }

  private get self(): string {
    return `${this.opts.advertiseAddress}:${this.opts.port}`;
  }

  private async register(): Promise<void> {
    this.lease ??= this.etcd.lease(this.opts.leaseTTLSeconds, { autoKeepAlive: true });
    await this.lease.put(MASTER_LEASES_PREFIX + this.self).value(this.self);
  }

  private async tick(): Promise<void> {
    try {
      await this.register();
      await this.reconcileEndpoints();
    } catch (err) {
      this.log.warn({ err }, "kubernetes endpoints reconcile failed");
    }
  }

  /** Writes the Endpoints and EndpointSlice of `kubernetes` from the live apiserver keys. */
  async reconcileEndpoints(): Promise<void> {
    const live = Object.keys(await this.etcd.getAll().prefix(MASTER_LEASES_PREFIX).strings()).map((k) => k.slice(MASTER_LEASES_PREFIX.length)).sort();
    const byPort = new Map<number, string[]>();
    for (const hp of live) {
      const i = hp.lastIndexOf(":");
      const port = Number(hp.slice(i + 1));
      byPort.set(port, [...(byPort.get(port) ?? []), hp.slice(0, i)]);
    }
    const subsets = [...byPort].map(([port, ips]) => ({ addresses: ips.map((ip) => ({ ip })), ports: [{ name: "https", port, protocol: "TCP" }] }));
    const labels = { "endpointslice.kubernetes.io/skip-mirror": "true" };
    await this.upsert(this.registries.endpoints, "kubernetes", (ep) => ({ ...ep, metadata: { ...ep.metadata, labels }, subsets }));
    const [port] = byPort.keys();
    await this.upsert(this.registries.endpointslices, "kubernetes", (s) => ({
      ...s,
      metadata: { ...s.metadata, labels: { "kubernetes.io/service-name": "kubernetes", "endpointslice.kubernetes.io/managed-by": "kates-apiserver" } },
      addressType: "IPv4",
      endpoints: live.map((hp) => ({ addresses: [hp.slice(0, hp.lastIndexOf(":"))], conditions: { ready: true } })),
      ports: port ? [{ name: "https", port, protocol: "TCP" }] : [],
    }));
  }

  private kubernetesService(): KObject {
    return {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "kubernetes", namespace: "default", labels: { component: "apiserver", provider: "kubernetes" } },
      spec: {
        type: "ClusterIP",
        clusterIP: firstServiceIP(this.opts.serviceClusterIPRange),
        ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: this.opts.port }],
        sessionAffinity: "None",
      },
    };
  }

  private async ensure(reg: Registry, ns: string | undefined, obj: KObject): Promise<void> {
    try {
      await reg.create(ns, obj, { fieldManager: "kube-apiserver" });
      this.log.info({ resource: reg.ri.resource, name: obj.metadata.name }, "bootstrapped");
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  }

  private async upsert(reg: Registry, name: string, mutate: (o: KObject) => KObject): Promise<void> {
    const base = { apiVersion: reg.ri.group ? `${reg.ri.group}/${reg.ri.version}` : "v1", kind: reg.ri.kind, metadata: { name, namespace: "default" } };
    try {
      await reg.guaranteedUpdate("default", name, (cur) => mutate(cur), { fieldManager: "kube-apiserver", create: () => mutate(base) });
    } catch (err) {
      if (!isNotFound(err) && !isAlreadyExists(err)) throw err;
    }
  }
}
