/**
 * NamespaceController finishes namespace deletion.
 *
 * Primary: Namespaces with a deletionTimestamp (phase Terminating), which the apiserver keeps
 * while spec.finalizers still holds "kubernetes". Secondary: every namespaced resource in
 * RESOURCES, read and deleted live (not from caches, so nothing created just before the
 * namespace went Terminating is missed). Triggers: namespace add/update, and a requeue every
 * second while content remains (pods wait for their kubelets, objects for their finalizers).
 * Once the namespace is empty it PUTs namespaces/NAME/finalize without "kubernetes", and the
 * apiserver removes the namespace.
 */
import { isNotFound, RESOURCES, type KObject, type Namespace, type Node, type Pod } from "@kates/api";
import { objectKey, runWorkers, waitForCacheSync, WorkQueue, type Informer } from "@kates/client";
import type { Logger } from "@kates/component-base";
import type { Controller, ControllerContext } from "../../controller-context.js";
import { deletionConditions, sameConditions, type DeletionPass } from "./namespace-conditions.js";

const NAMESPACES = RESOURCES.find((ri) => ri.resource === "namespaces")!;
const NODES = RESOURCES.find((ri) => ri.resource === "nodes")!;
/** The finalizer this controller owns in Namespace spec.finalizers. */
export const KUBERNETES_FINALIZER = "kubernetes";
/** Events go last: deleting everything else writes more of them. */
const CONTENT = [...RESOURCES.filter((ri) => ri.namespaced && ri.resource !== "events"), ...RESOURCES.filter((ri) => ri.resource === "events")];

/** How long to wait before checking again while content is still going away. */
const RECHECK_MS = 1000;

/** The namespace controller (see the file header). */
export class NamespaceController implements Controller {
  private readonly queue = new WorkQueue<string>();
  private readonly namespaces: Informer<Namespace>;
  private readonly nodes: Informer<Node>;
  private readonly log: Logger;

  constructor(private readonly ctx: ControllerContext) {
    this.log = ctx.log;
    this.namespaces = ctx.informers.informerFor<Namespace>(NAMESPACES);
    this.nodes = ctx.informers.informerFor<Node>(NODES);
    const enqueue = (ns: Namespace) => {
      if (ns.metadata.deletionTimestamp) this.queue.add(objectKey(ns));
    };
    this.namespaces.on("add", enqueue);
    this.namespaces.on("update", (_old, ns) => enqueue(ns));
  }

  async run(signal: AbortSignal): Promise<void> {
    if (!(await waitForCacheSync(signal, this.namespaces, this.nodes))) return;
    await runWorkers(this.queue, this.ctx.options.workers, (key) => this.syncNamespace(key), signal, this.log);
  }

  /** Deletes the namespace's content; finalizes it once nothing is left. */
  async syncNamespace(name: string): Promise<void> {
    let ns = this.namespaces.lister.get(undefined, name);
    if (!ns?.metadata.deletionTimestamp) return;
    if (!ns.spec?.finalizers?.includes(KUBERNETES_FINALIZER)) return;
    const pass = await this.deleteContent(name);
    ns = await this.updateConditions(ns, pass);
    if (pass.failures.length) throw new Error(`namespace ${name}: ${pass.failures.join("; ")}`);
    if (pass.remaining.size > 0) {
      this.log.debug({ namespace: name, remaining: Object.fromEntries(pass.remaining) }, "namespace content still being deleted");
      this.queue.addAfter(name, RECHECK_MS);
      return;
    }
    await this.finalize(ns);
  }

  /** One deletion pass over every namespaced resource: what remains, and what failed. */
  private async deleteContent(namespace: string): Promise<DeletionPass> {
    const pass: DeletionPass = { remaining: new Map(), finalizers: new Map(), failures: [] };
    for (const ri of CONTENT) {
      const label = `${ri.resource}.${ri.group}`;
      const client = this.ctx.rest.resource<KObject>(ri, namespace);
      let items: KObject[];
      try {
        ({ items } = await client.listAll());
      } catch (err) {
        pass.failures.push(`list ${label}: ${(err as Error).message}`);
        continue;
      }
      for (const obj of items) {
        pass.remaining.set(label, (pass.remaining.get(label) ?? 0) + 1);
        for (const f of obj.metadata.finalizers ?? []) pass.finalizers.set(f, (pass.finalizers.get(f) ?? 0) + 1);
        if (obj.metadata.deletionTimestamp && !this.podWithoutNode(ri.resource, obj)) continue;
        try {
          await client.delete(obj.metadata.name!, this.deleteOptions(ri.resource, obj));
        } catch (err) {
          if (!isNotFound(err)) pass.failures.push(`delete ${label} ${obj.metadata.name}: ${(err as Error).message}`);
        }
      }
    }
    return pass;
  }

  /** Writes the deletion conditions when they changed; returns the namespace as stored. */
  private async updateConditions(ns: Namespace, pass: DeletionPass): Promise<Namespace> {
    const previous = ns.status?.conditions ?? [];
    const conditions = deletionConditions(pass, previous, new Date().toISOString().replace(/\.\d+Z$/, "Z"));
    if (sameConditions(conditions, previous)) return ns;
    const next = structuredClone(ns);
    next.status = { ...next.status, conditions };
    try {
      return await this.ctx.rest.resource<Namespace>(NAMESPACES).updateStatus(next);
    } catch (err) {
      // Conditions are informative; a conflict is resolved by the next pass.
      this.log.debug({ err, namespace: ns.metadata.name }, "could not update namespace conditions");
      return ns;
    }
  }

  /**
   * Pods are deleted with their own grace period and finished by their kubelet; a pod bound
   * to a node that no longer exists has no kubelet to finish it, so it is force-deleted
   * (what Kubernetes' pod GC does for such orphans).
   */
  private deleteOptions(resource: string, obj: KObject): { gracePeriodSeconds?: number; preconditions: { uid?: string } } {
    const preconditions = { uid: obj.metadata.uid };
    return this.podWithoutNode(resource, obj) ? { gracePeriodSeconds: 0, preconditions } : { preconditions };
  }

  private podWithoutNode(resource: string, obj: KObject): boolean {
    if (resource !== "pods") return false;
    const nodeName = (obj as Pod).spec?.nodeName;
    return !!nodeName && !this.nodes.lister.get(undefined, nodeName);
  }

  private async finalize(ns: Namespace): Promise<void> {
    const name = ns.metadata.name!;
    const body = structuredClone(ns);
    body.spec = { ...body.spec, finalizers: (ns.spec?.finalizers ?? []).filter((f) => f !== KUBERNETES_FINALIZER) };
    try {
      await this.ctx.rest.request({ method: "PUT", path: `/api/v1/namespaces/${encodeURIComponent(name)}/finalize`, body });
      this.log.info({ namespace: name }, "namespace emptied and finalized");
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
