/**
 * EndpointSliceController keeps discovery.k8s.io/v1 EndpointSlices for every Service with a
 * selector: `<service>-<random>` slices labelled kubernetes.io/service-name and managed-by
 * endpointslice-controller.k8s.io, owned by the Service. Endpoints are grouped by their
 * distinct port set and split at --max-endpoints-per-slice (default 100) per group, placed
 * with minimal churn (slice-placement.ts); a Service without endpoints keeps one empty slice.
 * IPv4 only: every slice has addressType IPv4.
 *
 * Primary: Services. Secondary: Pods, EndpointSlices (only the ones this controller manages;
 * the apiserver's own `kubernetes` slice is not). Triggers: service add/update/delete, pod
 * add/update/delete (mapped to the services selecting it), managed slice changes.
 */
import { findResource, isNotFound, type EndpointSlice, type Pod, type Service } from "@kates/api";
import { runWorkers, splitKey, waitForCacheSync, WorkQueue, type Informer, type ResourceClient } from "@kates/client";
import type { Controller, ControllerContext } from "../../controller-context.js";
import { hasSelector } from "../endpoints/endpoints-utils.js";
import { wireServiceTriggers } from "../endpoints/service-triggers.js";
import { computeSliceGroups, CONTROLLER_NAME, MANAGED_BY_LABEL, SERVICE_NAME_LABEL } from "./endpointslice-utils.js";
import { DEFAULT_MAX_ENDPOINTS_PER_SLICE, planSlices } from "./slice-placement.js";
import { SliceWriteTracker } from "./slice-tracker.js";

const SERVICES = findResource("", "v1", "services")!;
const PODS = findResource("", "v1", "pods")!;
const SLICES = findResource("discovery.k8s.io", "v1", "endpointslices")!;

const managedBy = (s: EndpointSlice, svc: string) => s.metadata.labels?.[MANAGED_BY_LABEL] === CONTROLLER_NAME && s.metadata.labels?.[SERVICE_NAME_LABEL] === svc;

/** The endpoint slice controller (see the file header). */
export class EndpointSliceController implements Controller {
  readonly queue = new WorkQueue<string>();
  private readonly services: Informer<Service>;
  private readonly pods: Informer<Pod>;
  private readonly slices: Informer<EndpointSlice>;
  private readonly tracker = new SliceWriteTracker();

  constructor(private readonly ctx: ControllerContext) {
    this.services = ctx.informers.informerFor<Service>(SERVICES);
    this.pods = ctx.informers.informerFor<Pod>(PODS);
    this.slices = ctx.informers.informerFor<EndpointSlice>(SLICES);
    wireServiceTriggers(this.services, this.pods, this.queue);
    const bySlice = (s: EndpointSlice) => {
      const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
      if (svc && s.metadata.labels?.[MANAGED_BY_LABEL] === CONTROLLER_NAME) this.queue.add(`${s.metadata.namespace}/${svc}`);
    };
    this.slices.on("update", (_old, s) => bySlice(s));
    this.slices.on("delete", bySlice);
  }

  async run(signal: AbortSignal): Promise<void> {
    if (!(await waitForCacheSync(signal, this.services, this.pods, this.slices))) return;
    await runWorkers(this.queue, this.ctx.options.workers, (key) => this.sync(key), signal, this.ctx.log);
  }

  /** Makes the managed slices of the Service `key` match its pods; deletes them with the Service. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    if (!this.tracker.caughtUp(key, (n) => this.slices.lister.get(namespace, n))) {
      this.queue.addAfter(key, 100); // the cache has not seen our last writes yet
      return;
    }
    const client = this.ctx.rest.resource<EndpointSlice>(SLICES, namespace);
    const svc = this.services.lister.get(namespace, name);
    const existing = this.slices.lister.list(namespace, (s) => managedBy(s, name));
    const written: EndpointSlice[] = [];
    const deleted: string[] = [];
    try {
      // The garbage collector would remove them through the ownerReference too; doing it here
      // keeps the result independent of whether it runs.
      const stale = !svc ? existing : existing.filter((s) => s.metadata.ownerReferences?.some((r) => r.controller && r.uid !== svc.metadata.uid));
      for (const s of stale) deleted.push(...(await this.deleteSlice(client, s)));
      if (!svc || !hasSelector(svc)) return;
      const max = this.ctx.options.maxEndpointsPerSlice ?? DEFAULT_MAX_ENDPOINTS_PER_SLICE;
      const plan = planSlices(svc, computeSliceGroups(svc, this.pods.lister.list(namespace)), existing.filter((s) => !stale.includes(s)), max);
      for (const s of plan.create) written.push(await client.create(s));
      for (const s of plan.update) written.push(await client.update(s));
      for (const s of plan.delete) deleted.push(...(await this.deleteSlice(client, s)));
    } finally {
      // Also after a failure midway: what did get written must be waited for all the same.
      this.tracker.record(key, written, deleted);
    }
  }

  /** Deletes `s`; returns its name (gone either way) for the tracker. */
  private async deleteSlice(client: ResourceClient<EndpointSlice>, s: EndpointSlice): Promise<string[]> {
    try {
      await client.delete(s.metadata.name!);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    return [s.metadata.name!];
  }
}
