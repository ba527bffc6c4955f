/**
 * EndpointsController writes the core/v1 Endpoints of every Service that has a selector:
 * the ready and not-ready addresses of the pods it selects, with target ports resolved per
 * pod. Selector-less Services (default/kubernetes, hand-managed ones) are never touched.
 *
 * Primary: Services. Secondary: Pods, Endpoints. Triggers: service add/update/delete, pod
 * add/update/delete (mapped to the services selecting it), and the deletion of an Endpoints
 * object (re-created). Endpoints carry no ownerReference, as in Kubernetes, so a deleted
 * Service's Endpoints are deleted here.
 *
 * Over 1000 addresses the object is truncated (ready addresses kept first) and annotated
 * endpoints.kubernetes.io/over-capacity=truncated, as in Kubernetes; the annotation goes
 * away once the Service is back under capacity (endpoints-capacity.ts).
 */
import { findResource, isAlreadyExists, isNotFound, type Endpoints, type Pod, type Service } from "@kates/api";
import { objectKey, runWorkers, splitKey, waitForCacheSync, WorkQueue, type Informer } from "@kates/client";
import type { Controller, ControllerContext } from "../../controller-context.js";
import { MAX_ENDPOINTS_CAPACITY, OVER_CAPACITY_ANNOTATION, OVER_CAPACITY_TRUNCATED, truncateSubsets } from "./endpoints-capacity.js";
import { canonical, computeSubsets, hasSelector } from "./endpoints-utils.js";
import { wireServiceTriggers } from "./service-triggers.js";

const SERVICES = findResource("", "v1", "services")!;
const PODS = findResource("", "v1", "pods")!;
const ENDPOINTS = findResource("", "v1", "endpoints")!;

/** The endpoints controller (see the file header). */
export class EndpointsController implements Controller {
  readonly queue = new WorkQueue<string>();
  private readonly services: Informer<Service>;
  private readonly pods: Informer<Pod>;
  private readonly endpoints: Informer<Endpoints>;

  constructor(private readonly ctx: ControllerContext) {
    this.services = ctx.informers.informerFor<Service>(SERVICES);
    this.pods = ctx.informers.informerFor<Pod>(PODS);
    this.endpoints = ctx.informers.informerFor<Endpoints>(ENDPOINTS);
    wireServiceTriggers(this.services, this.pods, this.queue);
    this.endpoints.on("delete", (ep) => this.queue.add(objectKey(ep)));
  }

  async run(signal: AbortSignal): Promise<void> {
    if (!(await waitForCacheSync(signal, this.services, this.pods, this.endpoints))) return;
    await runWorkers(this.queue, this.ctx.options.workers, (key) => this.sync(key), signal, this.ctx.log);
  }

  /** Makes the Endpoints named `key` match its Service's pods (or deletes it with the Service). */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const client = this.ctx.rest.resource<Endpoints>(ENDPOINTS, namespace);
    const svc = this.services.lister.get(namespace, name);
    const current = this.endpoints.lister.get(namespace, name);
    if (!svc) {
      if (!current) return;
      try {
        await client.delete(name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      return;
    }
    if (!hasSelector(svc)) return;
    const max = this.ctx.options.endpointsMaxCapacity ?? MAX_ENDPOINTS_CAPACITY;
    const { subsets, truncated } = truncateSubsets(computeSubsets(svc, this.pods.lister.list(namespace)), max);
    const labels = svc.metadata.labels ?? {};
    // Other annotations (someone else's) are kept; only ours follows the truncation.
    const { [OVER_CAPACITY_ANNOTATION]: _was, ...others } = current?.metadata.annotations ?? {};
    const annotations = truncated ? { ...others, [OVER_CAPACITY_ANNOTATION]: OVER_CAPACITY_TRUNCATED } : others;
    const same = (a: unknown, b: unknown) => canonical(a) === canonical(b);
    if (current && same(current.subsets ?? [], subsets) && same(current.metadata.labels ?? {}, labels) && same(current.metadata.annotations ?? {}, annotations)) return;
    const { annotations: _old, ...meta } = current?.metadata ?? { name, namespace };
    const desired: Endpoints = {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { ...meta, labels, ...(Object.keys(annotations).length ? { annotations } : {}) },
      subsets,
    };
    if (current) {
      await client.update(desired); // resourceVersion from the cache: a conflict retries with fresh state
      return;
    }
    try {
      await client.create(desired);
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      throw new Error(`endpoints ${key} appeared meanwhile; retrying`);
    }
  }
}
