/**
 * The garbage collector's ownership graph and its decisions, kept free of I/O so that they
 * can be tested with plain objects. The graph maps owner uids to the keys of the objects
 * that name them in ownerReferences; the decisions say what to do with one dependent
 * (given the state of each of its owners) and with one owner that is being deleted.
 */
import type { KObject, OwnerReference } from "@kates/api";

/** Finalizers the apiserver adds for DeleteOptions.propagationPolicy Orphan and Foreground. */
export const ORPHAN_FINALIZER = "orphan";
export const FOREGROUND_FINALIZER = "foregroundDeletion";

/**
 * An owner as one dependent sees it: `solid` (exists with the referenced uid), `dangling`
 * (gone, or replaced by an object with another uid) or `waiting` (being deleted in the
 * foreground, so it waits for its dependents to go first).
 */
export type OwnerState = "solid" | "dangling" | "waiting";

/** What to do with a dependent. */
export type DependentAction =
  | { kind: "none" }
  | { kind: "removeOwnerReferences"; uids: string[] }
  | { kind: "delete"; propagationPolicy: "Background" | "Foreground" };

/**
 * Decides a dependent's fate from its owners' states: kept while any owner is solid (but
 * references to gone or foreground-deleting owners are dropped so those owners stop
 * waiting on it); deleted when none is solid. The deletion is in the foreground when an
 * owner waits for it and it has dependents of its own (so they go first, recursively);
 * a leaf needs no foregroundDeletion finalizer and is deleted in the background.
 */
export function decideDependent(obj: KObject, stateOf: (ref: OwnerReference) => OwnerState, hasDependents = false): DependentAction {
  const refs = obj.metadata.ownerReferences ?? [];
  if (!refs.length || obj.metadata.deletionTimestamp) return { kind: "none" };
  const states = refs.map((ref) => ({ ref, state: stateOf(ref) }));
  if (states.some((s) => s.state === "solid")) {
    const drop = states.filter((s) => s.state !== "solid").map((s) => s.ref.uid);
    return drop.length ? { kind: "removeOwnerReferences", uids: drop } : { kind: "none" };
  }
  const waiting = states.some((s) => s.state === "waiting");
  return { kind: "delete", propagationPolicy: waiting && hasDependents ? "Foreground" : "Background" };
}

/** What to do with an owner that has a deletionTimestamp. */
export type OwnerAction =
  | { kind: "none" }
  /** Remove the reference to the owner from these dependents, then the "orphan" finalizer. */
  | { kind: "orphan"; dependents: string[] }
  /** Let these dependents decide (they see a waiting owner); remove the finalizer when `done`. */
  | { kind: "foreground"; dependents: string[]; done: boolean };

/**
 * Decides for an owner being deleted. `dependents` are the graph's dependents of the owner
 * with the reference each one holds to it; blocking ones (blockOwnerDeletion) come first
 * and keep a foreground deletion waiting until they are gone.
 */
export function decideOwner(owner: KObject, dependents: { key: string; obj: KObject; ref: OwnerReference }[]): OwnerAction {
  const m = owner.metadata;
  if (!m.deletionTimestamp) return { kind: "none" };
  const finalizers = m.finalizers ?? [];
  if (finalizers.includes(ORPHAN_FINALIZER)) return { kind: "orphan", dependents: dependents.map((d) => d.key) };
  if (finalizers.includes(FOREGROUND_FINALIZER)) {
    const blocking = dependents.filter((d) => d.ref.blockOwnerDeletion);
    const rest = dependents.filter((d) => !d.ref.blockOwnerDeletion);
    return { kind: "foreground", dependents: [...blocking, ...rest].map((d) => d.key), done: blocking.length === 0 };
  }
  return { kind: "none" };
}

/** Owner uid -> keys of the objects that reference it, plus every object's uid -> key. */
export class DependencyGraph {
  private readonly dependents = new Map<string, Set<string>>();
  private readonly owners = new Map<string, string[]>();
  private readonly keysByUid = new Map<string, string>();

  /** Records (or re-records) an object under its key. */
  upsert(key: string, obj: KObject): void {
    this.remove(key, obj);
    const uid = obj.metadata.uid;
    if (uid) this.keysByUid.set(uid, key);
    const ownerUids = (obj.metadata.ownerReferences ?? []).map((r) => r.uid);
    if (!ownerUids.length) return;
    this.owners.set(key, ownerUids);
    for (const o of ownerUids) {
      let set = this.dependents.get(o);
      if (!set) this.dependents.set(o, (set = new Set()));
      set.add(key);
    }
  }

  /** Forgets an object. */
  remove(key: string, obj: KObject): void {
    const uid = obj.metadata.uid;
    if (uid && this.keysByUid.get(uid) === key) this.keysByUid.delete(uid);
    for (const o of this.owners.get(key) ?? []) {
      const set = this.dependents.get(o);
      set?.delete(key);
      if (set && !set.size) this.dependents.delete(o);
    }
    this.owners.delete(key);
  }

  /** Keys of the objects that reference `ownerUid`. */
  dependentsOf(ownerUid: string): string[] {
    return [...(this.dependents.get(ownerUid) ?? [])];
  }

  /** The key of the object with this uid, if the graph has seen it. */
  keyOf(uid: string): string | undefined {
    return this.keysByUid.get(uid);
  }
}
