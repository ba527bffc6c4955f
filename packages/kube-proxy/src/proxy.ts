/**
 * The kube-proxy controller. Primary input: Services; secondary: EndpointSlices (by their
 * kubernetes.io/service-name label) and this node's Node (addresses for userspace NodePorts).
 * Every change enqueues the single key "sync"; a sync rebuilds the whole service map from the
 * caches and hands it to the Proxier, which writes only what changed. The work queue coalesces
 * bursts (a key is queued once), --min-sync-period spaces syncs out, and every --sync-period a
 * resync verifies the kernel state. Failed syncs are retried with the queue's back-off.
 */
import { findResource, type EndpointSlice, type Node, type Service } from "@kates/api";
import { Informer, ItemExponentialRateLimiter, WorkQueue, waitForCacheSync, type RestClient } from "@kates/client";
import { sleep, type Logger } from "@kates/component-base";
import type { Proxier, SyncOutcome } from "./proxier.js";
import { SERVICE_NAME_LABEL, ServiceMapCache } from "./service-map.js";
import type { ServicePortInfo } from "./types.js";

const SYNC = "sync";
const BY_SERVICE = "service";

/** Options of the controller. */
export interface ProxyControllerOptions {
  nodeName: string;
  syncPeriodMs: number;
  minSyncPeriodMs: number;
  /**
   * Called with the service map after each successful sync, for what both modes share (the
   * per-Service health check ports); its errors are logged, never fail the sync.
   */
  afterSync?: (ports: ServicePortInfo[]) => Promise<void>;
}

/** Figures /healthz and /metrics report. */
export interface ProxyStatus {
  mode: string;
  syncs: number;
  applies: number;
  skipped: number;
  failures: number;
  repairs: number;
  /** Wall-clock ms of the last successful sync (applied or not); 0 before the first. */
  lastSyncAt: number;
  /** Wall-clock ms when the last write to the kernel finished. */
  lastAppliedAt: number;
  lastSyncMs: number;
  /** Service ports and endpoints in the last successful sync. */
  servicePorts: number;
  endpoints: number;
  lastOutcome?: SyncOutcome;
  /** Detail of the last sync that wrote something (chains written, restore time, ...). */
  lastApplied?: Record<string, number | string>;
}

export class ProxyController {
  readonly status: ProxyStatus;
  private readonly services: Informer<Service>;
  private readonly slices: Informer<EndpointSlice>;
  private readonly nodes: Informer<Node>;
  private readonly queue = new WorkQueue<string>({ rateLimiter: new ItemExponentialRateLimiter<string>(100, 30_000) });
  private resyncDue = false;
  private readonly serviceMapCache = new ServiceMapCache();

  constructor(
    rest: RestClient,
    private readonly proxier: Proxier,
    private readonly log: Logger,
    private readonly opts: ProxyControllerOptions,
  ) {
    this.status = { mode: proxier.mode, syncs: 0, applies: 0, skipped: 0, failures: 0, repairs: 0, lastSyncAt: 0, lastAppliedAt: 0, lastSyncMs: 0, servicePorts: 0, endpoints: 0 };
    // Plain informers rather than InformerFactory: the slices need a by-Service index, which the factory cannot pass.
    this.services = new Informer<Service>(rest.resource<Service>(findResource("", "v1", "services")!), { logger: log });
    this.slices = new Informer<EndpointSlice>(rest.resource<EndpointSlice>(findResource("discovery.k8s.io", "v1", "endpointslices")!), { logger: log, indexers: { [BY_SERVICE]: sliceServiceKey } });
    this.nodes = new Informer<Node>(rest.resource<Node>(findResource("", "v1", "nodes")!), { logger: log, fieldSelector: `metadata.name=${opts.nodeName}` });
    const enqueue = () => this.queue.add(SYNC);
    for (const inf of [this.services, this.slices, this.nodes] as Informer<never>[]) {
      inf.on("add", enqueue).on("update", enqueue).on("delete", enqueue);
    }
  }

  /** The current service map from the caches. */
  serviceMap(): ServicePortInfo[] {
    return this.serviceMapCache.build(this.services.lister.list(), (ns, name) => this.slices.lister.byIndex(BY_SERVICE, `${ns}/${name}`));
  }

  nodeAddresses(): string[] {
    const node = this.nodes.lister.get(undefined, this.opts.nodeName);
    return (node?.status?.addresses ?? []).filter((a) => a.type === "InternalIP" || a.type === "ExternalIP").map((a) => a.address);
  }

  /** Runs until `signal` aborts; leaves the kernel state in place. */
  async run(signal: AbortSignal): Promise<void> {
    const informers = [this.services, this.slices, this.nodes];
    const running = informers.map((i) => i.start(signal));
    signal.addEventListener("abort", () => this.queue.shutDown(), { once: true });
    if (!(await waitForCacheSync(signal, ...informers))) return;
    this.log.info({ services: this.services.lister.list().length, slices: this.slices.lister.list().length, node: this.opts.nodeName }, "caches synced");
    this.queue.add(SYNC);
    const resync = setInterval(() => {
      this.resyncDue = true;
      this.queue.add(SYNC);
    }, this.opts.syncPeriodMs);
    resync.unref();
    try {
      for (;;) {
        const key = await this.queue.get();
        if (key === undefined) break;
        const started = Date.now();
        try {
          await this.sync();
          this.queue.forget(key);
        } catch (err) {
          this.status.failures++;
          this.log.error({ err, requeues: this.queue.numRequeues(key) }, "sync failed, retrying");
          this.queue.addRateLimited(key);
        } finally {
          this.queue.done(key);
        }
        const wait = started + this.opts.minSyncPeriodMs - Date.now();
        if (wait > 0) await sleep(wait, signal);
      }
    } finally {
      clearInterval(resync);
      await Promise.allSettled(running);
    }
  }

  private async sync(): Promise<void> {
    const t0 = performance.now();
    const resync = this.resyncDue;
    this.resyncDue = false;
    const ports = this.serviceMap();
    let outcome: SyncOutcome;
    try {
      outcome = await this.proxier.sync(ports, this.nodeAddresses(), resync);
    } catch (err) {
      if (resync) this.resyncDue = true;
      throw err;
    }
    if (this.opts.afterSync) {
      await this.opts.afterSync(ports).catch((err: unknown) => this.log.warn({ err }, "after-sync step failed"));
    }
    const ms = Math.round(performance.now() - t0);
    const s = this.status;
    s.syncs++;
    s.lastSyncAt = Date.now();
    s.lastSyncMs = ms;
    s.servicePorts = ports.length;
    s.endpoints = ports.reduce((n, p) => n + p.endpoints.length, 0);
    s.lastOutcome = outcome;
    if (outcome.repaired) s.repairs++;
    if (outcome.applied) {
      s.applies++;
      s.lastAppliedAt = s.lastSyncAt;
      s.lastApplied = { ...outcome.detail, syncMs: ms };
      this.log.info({ servicePorts: s.servicePorts, endpoints: s.endpoints, ms, resync, ...outcome.detail }, "rules applied");
    } else {
      s.skipped++;
      this.log.debug({ servicePorts: s.servicePorts, ms, resync }, "nothing changed, nothing applied");
    }
  }
}

function sliceServiceKey(s: EndpointSlice): string[] {
  const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
  return svc ? [`${s.metadata.namespace ?? ""}/${svc}`] : [];
}
