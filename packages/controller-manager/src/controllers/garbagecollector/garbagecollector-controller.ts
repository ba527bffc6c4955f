/**
 * GarbageCollectorController reconciles ownerReferences across every resource kates serves
 * (except Events and Namespaces, which own nothing and are owned by nothing here).
 *
 * Primary: any object with ownerReferences, and any owner being deleted with the "orphan"
 * or "foregroundDeletion" finalizer. Triggers: informer events on every watched resource;
 * an object's deletion enqueues its dependents, and a dependent's change enqueues its owners
 * (a foreground owner waits on it). Actions:
 * - background: a dependent none of whose owners exists any more (uid-checked) is deleted;
 * - foreground: dependents of a waiting owner are deleted (in the foreground themselves), and
 *   the owner's finalizer is removed once no blockOwnerDeletion dependent remains;
 * - orphan: the reference to the owner is removed from each dependent, then the finalizer.
 * The cache is trusted for "exists" but not for "gone": before deleting, a missing owner is
 * confirmed with a live GET, so a lagging owner informer never deletes a fresh dependent.
 */
import { findKind, isNotFound, RESOURCES, type KObject, type OwnerReference, type ResourceInfo } from "@kates/api";
import { runWorkers, waitForCacheSync, WorkQueue, type Informer } from "@kates/client";
import type { Logger } from "@kates/component-base";
import type { Controller, ControllerContext } from "../../controller-context.js";
import { decideDependent, decideOwner, DependencyGraph, FOREGROUND_FINALIZER, ORPHAN_FINALIZER, type OwnerState } from "./graph.js";

/** Resources the collector watches: everything but Events and Namespaces. */
export const GC_RESOURCES: readonly ResourceInfo[] = RESOURCES.filter((ri) => ri.resource !== "events" && ri.resource !== "namespaces");

const riKey = (ri: Pick<ResourceInfo, "group" | "resource">) => `${ri.group}/${ri.resource}`;

/** `group/resource|namespace/name`: identifies an object across resources. */
export function gcKey(ri: Pick<ResourceInfo, "group" | "resource">, obj: KObject): string {
  return `${riKey(ri)}|${obj.metadata.namespace ?? ""}/${obj.metadata.name}`;
}

function parseKey(key: string): { rk: string; namespace: string; name: string } {
  const bar = key.indexOf("|");
  const rest = key.slice(bar + 1);
  const slash = rest.indexOf("/");
  return { rk: key.slice(0, bar), namespace: rest.slice(0, slash), name: rest.slice(slash + 1) };
}

/** The garbage collector (see the file header). */
export class GarbageCollectorController implements Controller {
  private readonly graph = new DependencyGraph();
  private readonly queue = new WorkQueue<string>();
  private readonly informers = new Map<string, { ri: ResourceInfo; informer: Informer<KObject> }>();
  private readonly log: Logger;

  constructor(private readonly ctx: ControllerContext) {
    this.log = ctx.log;
    for (const ri of GC_RESOURCES) {
      const informer = ctx.informers.informerFor<KObject>(ri);
      this.informers.set(riKey(ri), { ri, informer });
      informer.on("add", (o) => this.onChange(ri, undefined, o));
      informer.on("update", (old, o) => this.onChange(ri, old, o));
      informer.on("delete", (o) => this.onDelete(ri, o));
    }
  }

  async run(signal: AbortSignal): Promise<void> {
    if (!(await waitForCacheSync(signal, ...[...this.informers.values()].map((i) => i.informer)))) return;
    await runWorkers(this.queue, this.ctx.options.workers, (key) => this.sync(key), signal, this.log);
  }

  private onChange(ri: ResourceInfo, old: KObject | undefined, obj: KObject): void {
    const key = gcKey(ri, obj);
    this.graph.upsert(key, obj);
    const m = obj.metadata;
    const ownersChanged = !old || JSON.stringify(old.metadata.ownerReferences) !== JSON.stringify(m.ownerReferences);
    if (m.ownerReferences?.length && (ownersChanged || m.deletionTimestamp !== old?.metadata.deletionTimestamp)) this.queue.add(key);
    const pending = m.finalizers?.some((f) => f === ORPHAN_FINALIZER || f === FOREGROUND_FINALIZER);
    if (m.deletionTimestamp && pending) this.queue.add(key);
    // A foreground owner waits for this dependent: tell it when the reference changes or goes.
    if (old && (ownersChanged || m.deletionTimestamp)) this.enqueueOwners(old);
    // Dependents of a re-created owner (same name, new uid) may have become dangling.
    if (old && old.metadata.uid !== m.uid && old.metadata.uid) this.enqueueDependents(old.metadata.uid);
  }

  private onDelete(ri: ResourceInfo, obj: KObject): void {
    this.graph.remove(gcKey(ri, obj), obj);
    if (obj.metadata.uid) this.enqueueDependents(obj.metadata.uid);
    this.enqueueOwners(obj);
  }

  private enqueueDependents(uid: string): void {
    for (const k of this.graph.dependentsOf(uid)) this.queue.add(k);
  }

  private enqueueOwners(obj: KObject): void {
    for (const ref of obj.metadata.ownerReferences ?? []) {
      const k = this.graph.keyOf(ref.uid);
      if (k) this.queue.add(k);
    }
  }

  private lookup(key: string): { ri: ResourceInfo; obj: KObject | undefined } | undefined {
    const { rk, namespace, name } = parseKey(key);
    const entry = this.informers.get(rk);
    if (!entry) return undefined;
    return { ri: entry.ri, obj: entry.informer.lister.get(namespace || undefined, name) };
  }

  /** Syncs one object: first as an owner being deleted, then as a dependent. */
  async sync(key: string): Promise<void> {
    const found = this.lookup(key);
    if (!found?.obj) return;
    const { ri, obj } = found;
    if (obj.metadata.deletionTimestamp && obj.metadata.uid) await this.syncOwner(ri, obj);
    await this.syncDependent(ri, obj);
  }

  private async syncOwner(ri: ResourceInfo, owner: KObject): Promise<void> {
    const uid = owner.metadata.uid!;
    const dependents = this.graph.dependentsOf(uid).flatMap((k) => {
      const obj = this.lookup(k)?.obj;
      const ref = obj?.metadata.ownerReferences?.find((r) => r.uid === uid);
      return obj && ref ? [{ key: k, obj, ref }] : [];
    });
    const action = decideOwner(owner, dependents);
    if (action.kind === "orphan") {
      for (const k of action.dependents) await this.removeOwnerReferences(k, [uid]);
      this.log.info({ owner: gcKey(ri, owner), dependents: action.dependents.length }, "orphaned dependents");
      await this.removeFinalizer(ri, owner, ORPHAN_FINALIZER);
    } else if (action.kind === "foreground") {
      for (const k of action.dependents) this.queue.add(k);
      if (action.done) {
        this.log.info({ owner: gcKey(ri, owner) }, "all blocking dependents gone, finishing foreground deletion");
        await this.removeFinalizer(ri, owner, FOREGROUND_FINALIZER);
      }
    }
  }

  private async syncDependent(ri: ResourceInfo, obj: KObject): Promise<void> {
    const refs = obj.metadata.ownerReferences ?? [];
    if (!refs.length || obj.metadata.deletionTimestamp) return;
    const states = new Map<string, OwnerState>();
    for (const ref of refs) states.set(ref.uid, await this.ownerState(obj, ref));
    const key = gcKey(ri, obj);
    const hasDependents = !!obj.metadata.uid && this.graph.dependentsOf(obj.metadata.uid).length > 0;
    const action = decideDependent(obj, (ref) => states.get(ref.uid)!, hasDependents);
    if (action.kind === "removeOwnerReferences") {
      await this.removeOwnerReferences(key, action.uids);
    } else if (action.kind === "delete") {
      this.log.info({ object: key, propagationPolicy: action.propagationPolicy }, "deleting object whose owners are gone");
      try {
        await this.ctx.rest.resource(ri, obj.metadata.namespace).delete(obj.metadata.name!, {
          propagationPolicy: action.propagationPolicy,
          preconditions: { uid: obj.metadata.uid },
        });
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  /** The owner's state, trusting a cache hit but confirming a miss with a live GET. */
  private async ownerState(dependent: KObject, ref: OwnerReference): Promise<OwnerState> {
    const ownerRi = findKind(ref.apiVersion, ref.kind);
    // Kinds kates does not serve can't be checked; such an owner is never treated as gone.
    if (!ownerRi) return "solid";
    const ns = ownerRi.namespaced ? dependent.metadata.namespace : undefined;
    if (ownerRi.namespaced && !ns) return "solid";
    const classify = (o: KObject | undefined): OwnerState | undefined => {
      if (!o || o.metadata.uid !== ref.uid) return undefined;
      return o.metadata.deletionTimestamp && o.metadata.finalizers?.includes(FOREGROUND_FINALIZER) ? "waiting" : "solid";
    };
    const cached = classify(this.informers.get(riKey(ownerRi))?.informer.lister.get(ns, ref.name));
    if (cached) return cached;
    try {
      return classify(await this.ctx.rest.resource(ownerRi, ns).get(ref.name)) ?? "dangling";
    } catch (err) {
      if (isNotFound(err)) return "dangling";
      throw err;
    }
  }

  /** Drops the references to `uids` from a dependent, guarded by its resourceVersion. */
  private async removeOwnerReferences(key: string, uids: string[]): Promise<void> {
    const found = this.lookup(key);
    const obj = found?.obj;
    if (!found || !obj) return;
    const refs = obj.metadata.ownerReferences ?? [];
    const kept = refs.filter((r) => !uids.includes(r.uid));
    if (kept.length === refs.length) return;
    try {
      await this.ctx.rest.resource(found.ri, obj.metadata.namespace).patch(obj.metadata.name!, [
        { op: "test", path: "/metadata/uid", value: obj.metadata.uid },
        { op: "test", path: "/metadata/resourceVersion", value: obj.metadata.resourceVersion },
        kept.length ? { op: "replace", path: "/metadata/ownerReferences", value: kept } : { op: "remove", path: "/metadata/ownerReferences" },
      ], "json");
      this.log.info({ object: key, removed: uids }, "removed owner references");
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private async removeFinalizer(ri: ResourceInfo, owner: KObject, finalizer: string): Promise<void> {
    const finalizers = owner.metadata.finalizers ?? [];
    if (!finalizers.includes(finalizer)) return;
    const kept = finalizers.filter((f) => f !== finalizer);
    try {
      await this.ctx.rest.resource(ri, owner.metadata.namespace).patch(owner.metadata.name!, [
        { op: "test", path: "/metadata/uid", value: owner.metadata.uid },
        { op: "test", path: "/metadata/resourceVersion", value: owner.metadata.resourceVersion },
        kept.length ? { op: "replace", path: "/metadata/finalizers", value: kept } : { op: "remove", path: "/metadata/finalizers" },
      ], "json");
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
