/**
 * Server-side apply (`kubectl apply --server-side`) and the field ownership bookkeeping that
 * every other write does, so appliers conflict with earlier writers the way they do in Kubernetes.
 *
 * Ownership lives in metadata.managedFields. An apply:
 * 1. owns exactly the fields of its configuration (lists keyed per merge-keys.ts, others atomic);
 * 2. conflicts on fields another manager owns with a different value, unless forced, in which
 *    case it takes them over;
 * 3. removes fields it applied before and no longer applies, unless someone else owns them;
 * 4. merges its configuration into the live object, creating it when there is none.
 * Metadata the server maintains (name, uid, resourceVersion, ...) and status are never owned
 * through the main resource.
 */
import type { KObject, ManagedFieldsEntry } from "@kates/api";
import { clone, deepEqual, isObject, type JsonObject } from "./json-utils.js";
import { fieldStrategy } from "./merge-keys.js";
import { fieldsOf, deleteAt, valueAt, withoutNulls, UNOWNED_METADATA, type FieldPath, type FieldSet } from "./fieldsets.js";
import { ApplyConflictError, isSameManager, readOwners, writeOwners, type Conflict, type Owner } from "./managed-fields.js";

/** Who applies, and when. */
export interface ApplyOptions {
  manager: string;
  force: boolean;
  /** apiVersion of the request, recorded in the manager's entry. */
  apiVersion: string;
  /** RFC 3339 time recorded in the manager's entry. */
  now: string;
}

/**
 * Applies a configuration to a live object (or to nothing: an upsert) and returns the new object
 * with updated managedFields; throws a 409 ApplyConflictError on conflicts unless forced.
 */
export function serverSideApply(live: KObject | undefined, applied: KObject, opts: ApplyOptions): KObject {
  const kind = applied.kind ?? live?.kind ?? "";
  const config = withoutNulls(applied);
  const appliedSet = fieldsOf(config, kind, "main").leaves;
  const owners = readOwners(live);
  let mine = owners.find((o) => isSameManager(o.entry, opts.manager, "Apply", opts.apiVersion));
  const others = owners.filter((o) => o !== mine);

  if (live) {
    const conflicts = findConflicts(live, config, appliedSet, others);
    if (conflicts.length > 0 && !opts.force) throw new ApplyConflictError(conflicts);
    for (const c of conflicts) {
      c.owner.set.delete(c.path);
      c.owner.dirty = true;
    }
  }

  const result: KObject = live ? clone(live) : { apiVersion: applied.apiVersion, kind: applied.kind, metadata: {} };
  if (mine) removeDropped(result, mine.set, appliedSet, others);
  mergeConfig(result, config, kind);

  const entry: ManagedFieldsEntry = { manager: opts.manager, operation: "Apply", apiVersion: opts.apiVersion, time: opts.now, fieldsType: "FieldsV1" };
  if (mine) {
    mine.entry = entry;
    mine.set = appliedSet;
    mine.dirty = true;
  } else {
    mine = { entry, set: appliedSet };
    owners.push(mine);
  }
  setManagedFields(result, writeOwners(owners));
  return result;
}

function setManagedFields(obj: KObject, entries: ManagedFieldsEntry[]): void {
  if (entries.length > 0) obj.metadata.managedFields = entries;
  else delete obj.metadata.managedFields;
}

/** Leaves of the configuration that another manager owns with a different live value. */
function findConflicts(live: KObject, config: KObject, appliedSet: FieldSet, others: Owner[]): Conflict[] {
  const conflicts: Conflict[] = [];
  for (const owner of others) {
    for (const path of appliedSet) {
      const last = path[path.length - 1];
      // Keyed items and set values are equal by construction when both sides have them.
      if (last.startsWith("k:") || last.startsWith("v:") || !owner.set.has(path)) continue;
      if (!deepEqual(valueAt(live, path), valueAt(config, path))) conflicts.push({ owner, path });
    }
  }
  return conflicts;
}

/** Removes fields the applier owned but no longer applies, unless someone still owns something there. */
function removeDropped(obj: KObject, previous: FieldSet, applied: FieldSet, others: Owner[]): void {
  const dropped = [...previous]
    .filter((p) => !applied.hasAtOrBelow(p) && !others.some((o) => o.set.hasAtOrBelow(p)))
    .filter((p) => !isItemKeyField(p))
    .sort((a, b) => a.length - b.length);
  for (const path of dropped) deleteAt(obj, path);
}

/** True for `k:{"name":"x"}/f:name`: removing an item's key field would leave it unaddressable. */
function isItemKeyField(path: FieldPath): boolean {
  if (path.length < 2) return false;
  const parent = path[path.length - 2];
  const last = path[path.length - 1];
  return parent.startsWith("k:") && last.startsWith("f:") && Object.hasOwn(JSON.parse(parent.slice(2)) as JsonObject, last.slice(2));
}

/** Merges an apply configuration into obj: granular maps and keyed lists merge, the rest replaces. */
function mergeConfig(obj: KObject, config: KObject, kind: string): void {
  if (config.apiVersion) obj.apiVersion = config.apiVersion;
  if (config.kind) obj.kind = config.kind;
  for (const [key, value] of Object.entries(config)) {
    if (key === "apiVersion" || key === "kind" || key === "status") continue;
    if (key === "metadata" && isObject(value)) {
      const meta = obj.metadata as unknown as JsonObject;
      for (const [mk, mv] of Object.entries(value)) {
        const identity = mk === "name" || mk === "namespace" || mk === "generateName";
        if (identity && meta[mk] === undefined) meta[mk] = mv;
        else if (!UNOWNED_METADATA.has(mk)) meta[mk] = mergeValue(meta[mk], mv, ["metadata", mk], kind);
      }
      continue;
    }
    obj[key] = mergeValue(obj[key], value, [key], kind);
  }
}

function mergeValue(live: unknown, applied: unknown, names: string[], kind: string): unknown {
  const strategy = fieldStrategy(names, kind);
  if (isObject(applied)) {
    if (strategy?.type === "atomic" || !isObject(live)) return clone(applied);
    for (const [k, v] of Object.entries(applied)) live[k] = mergeValue(live[k], v, [...names, k], kind);
    return live;
  }
  if (!Array.isArray(applied) || !Array.isArray(live)) return clone(applied);
  if (strategy?.type === "set") return [...live, ...applied.filter((v) => !live.some((x) => deepEqual(x, v)))];
  if (strategy?.type !== "map") return clone(applied);
  const key = strategy.key;
  const result = [...live];
  for (const item of applied) {
    const at = isObject(item) ? result.findIndex((x) => isObject(x) && deepEqual(x[key], item[key])) : -1;
    if (at >= 0) result[at] = mergeValue(result[at], item, names, kind);
    else result.push(clone(item));
  }
  return result;
}
