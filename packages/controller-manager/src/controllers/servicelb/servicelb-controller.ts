/**
 * ServiceLBController gives every Service of type LoadBalancer an external address from
 * --load-balancer-ip-pool, written as status.loadBalancer.ingress[{ip, ipMode: VIP}]
 * through the status subresource; kube-proxy then answers on it like on the ClusterIP.
 * Without a pool it does nothing, so such Services keep EXTERNAL-IP <pending> (and the
 * NodePorts the apiserver allocated), as on a cluster without a cloud provider.
 *
 * Primary: Services. Triggers: service add/update (allocate, or release when the type
 * changed away from LoadBalancer, clearing the status) and delete (release). A freed
 * address re-queues the Services still waiting for one. spec.loadBalancerIP is honoured when
 * it is in the pool and free. Allocations are rebuilt from the Services' status before any
 * worker runs (oldest Service first wins a duplicate), so a restarted or newly elected
 * controller-manager never hands out one address twice. Services with a
 * spec.loadBalancerClass belong to another implementation and are left alone.
 */
import { findResource, isNotFound, type Service } from "@kates/api";
import { objectKey, runWorkers, splitKey, waitForCacheSync, WorkQueue, type EventRecorder, type Informer } from "@kates/client";
import type { Controller, ControllerContext } from "../../controller-context.js";
import { IpPool } from "./ip-pool.js";

const SERVICES = findResource("", "v1", "services")!;

/** The component name on this controller's Events. */
export const SERVICE_LB_COMPONENT = "service-lb-controller";

const isLoadBalancer = (s: Service) => s.spec?.type === "LoadBalancer" && !(s.spec as { loadBalancerClass?: string }).loadBalancerClass;
const ingressIPs = (s: Service) => (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((ip): ip is string => !!ip);

/** The LoadBalancer address controller (see the file header). */
export class ServiceLBController implements Controller {
  readonly queue = new WorkQueue<string>();
  readonly pool?: IpPool;
  private readonly services: Informer<Service>;
  private readonly recorder: EventRecorder;
  private rebuilt = false;

  constructor(private readonly ctx: ControllerContext) {
    const spec = ctx.options.loadBalancerIPPool?.trim();
    this.pool = spec ? new IpPool(spec) : undefined;
    this.recorder = ctx.recorder(SERVICE_LB_COMPONENT);
    this.services = ctx.informers.informerFor<Service>(SERVICES);
    if (!this.pool) return;
    this.services.on("add", (s) => this.observe(s));
    this.services.on("update", (_old, s) => this.observe(s));
    this.services.on("delete", (s) => {
      const key = objectKey(s);
      if (this.rebuilt && this.pool!.releaseOwner(key) > 0) this.requeueWaiting();
    });
  }

  private observe(s: Service): void {
    if (this.rebuilt && isLoadBalancer(s)) {
      // An address written by someone else (a previous leader, a hand edit) is taken note of.
      for (const ip of ingressIPs(s)) this.pool!.occupy(ip, objectKey(s));
    }
    this.queue.add(objectKey(s));
  }

  async run(signal: AbortSignal): Promise<void> {
    if (!this.pool) {
      this.ctx.log.info("no --load-balancer-ip-pool: LoadBalancer Services stay <pending>");
      return;
    }
    if (!(await waitForCacheSync(signal, this.services))) return;
    this.rebuild();
    this.ctx.log.info({ pool: this.pool.spec, size: this.pool.size, inUse: this.pool.inUse }, "load balancer pool ready");
    // Several workers are safe: the pool is changed synchronously, before any await.
    await runWorkers(this.queue, this.ctx.options.workers, (key) => this.syncService(key), signal, this.ctx.log);
  }

  /** Records every pool address already in a Service's status, oldest Service first. */
  rebuild(): void {
    this.pool!.clear();
    const lbs = this.services.lister.list(undefined, isLoadBalancer).sort((a, b) => (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? "") || objectKey(a).localeCompare(objectKey(b)));
    for (const s of lbs) for (const ip of ingressIPs(s)) this.pool!.occupy(ip, objectKey(s));
    this.rebuilt = true;
    for (const s of this.services.lister.list()) this.queue.add(objectKey(s));
  }

  private requeueWaiting(): void {
    for (const s of this.services.lister.list(undefined, (s) => isLoadBalancer(s) && ingressIPs(s).length === 0)) this.queue.add(objectKey(s));
  }

  /** Moves one Service's external address toward what its type asks for. */
  async syncService(key: string): Promise<void> {
    const pool = this.pool!;
    const { namespace, name } = splitKey(key);
    const svc = this.services.lister.get(namespace, name);
    if (!svc || svc.metadata.deletionTimestamp) {
      if (pool.releaseOwner(key) > 0) this.requeueWaiting();
      return;
    }
    if (!isLoadBalancer(svc)) {
      if (pool.releaseOwner(key) > 0) this.requeueWaiting();
      // Our address left behind on a Service that is no longer a LoadBalancer: clear it.
      if (svc.spec?.type !== "LoadBalancer" && ingressIPs(svc).some((ip) => pool.contains(ip))) await this.writeIngress(svc, undefined);
      return;
    }
    const ip = this.choose(svc, key);
    if (!ip) return;
    const current = ingressIPs(svc);
    if (current.length === 1 && current[0] === ip) return;
    await this.writeIngress(svc, ip);
    this.recorder.event(svc, "Normal", "IPAllocated", `Assigned IP ["${ip}"]`);
    this.ctx.log.info({ service: key, ip }, "assigned load balancer IP");
  }

  /** The address `svc` should have, now held for it; undefined (with an Event) if none can be had. */
  private choose(svc: Service, key: string): string | undefined {
    const pool = this.pool!;
    const held = pool.heldBy(key);
    const requested = svc.spec?.loadBalancerIP;
    if (requested) {
      if (held === requested) return held;
      if (!pool.contains(requested)) {
        this.fail(svc, `requested loadBalancerIP ${requested} is not in the pool ${pool.spec}`);
        return undefined;
      }
      const holder = pool.holder(requested);
      if (holder !== undefined && holder !== key) {
        this.fail(svc, `requested loadBalancerIP ${requested} is already assigned to ${holder}`);
        return undefined;
      }
      // A changed request gives the old address back.
      pool.releaseOwner(key);
      pool.occupy(requested, key);
      return requested;
    }
    if (held) return held;
    // A status written before a restart the rebuild could not honour (a duplicate) falls through to a fresh one.
    for (const ip of ingressIPs(svc)) if (pool.occupy(ip, key)) return ip;
    const ip = pool.allocate(key);
    if (!ip) this.fail(svc, `no addresses left in the pool ${pool.spec} (all ${pool.size} in use)`);
    return ip;
  }

  private fail(svc: Service, message: string): void {
    this.recorder.event(svc, "Warning", "AllocationFailed", message);
    this.ctx.log.warn({ service: objectKey(svc), reason: message }, "load balancer IP allocation failed");
  }

  /** Writes status.loadBalancer (one VIP ingress, or none) through the status subresource. */
  private async writeIngress(svc: Service, ip: string | undefined): Promise<void> {
    const next = structuredClone(svc);
    next.status = { ...next.status, loadBalancer: ip ? { ingress: [{ ip, ipMode: "VIP" }] } : {} };
    try {
      await this.ctx.rest.resource<Service>(SERVICES, svc.metadata.namespace).updateStatus(next);
    } catch (err) {
      if (!isNotFound(err)) throw err; // a conflict retries with the fresh object; the address stays held
      this.pool!.releaseOwner(objectKey(svc));
    }
  }
}
