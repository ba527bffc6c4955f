/**
 * Field ownership for ordinary writes (create, update, patch): the fields a write changes become
 * its manager's, and are taken away from every other manager. Without this, `kubectl apply
 * --server-side` could never conflict with what `kubectl apply` or `kubectl scale` set before.
 */
import type { KObject } from "@kates/api";
import { deepEqual } from "./json-utils.js";
import { FieldSet, fieldsOf, valueAt, type FieldScope } from "./fieldsets.js";
import { isSameManager, readOwners, writeOwners } from "./managed-fields.js";

/**
 * Returns updated with managedFields that record a non-apply write by manager. `old` is the
 * object before the write (undefined for create); subresource is e.g. "status" or "scale".
 */
export function recordUpdate(
  old: KObject | undefined,
  updated: KObject,
  manager: string,
  operation: "Update",
  apiVersion: string,
  now: string,
  subresource?: string,
): KObject {
  // Only managedFields differ from updated: the rest is shared, not copied.
  const result: KObject = { ...updated, metadata: { ...updated.metadata } };
  const sent = updated.metadata.managedFields;
  // A writer that changes managedFields itself (kubectl's client-side to server-side apply
  // migration does, with a JSON patch) gets them as written, as in Kubernetes; [{}] clears them.
  if (sent && sent.length > 0 && !deepEqual(sent, old?.metadata.managedFields ?? [])) {
    if (sent.every((e) => Object.keys(e).length === 0)) delete result.metadata.managedFields;
    return result;
  }

  const kind = updated.kind ?? old?.kind ?? "";
  const scope: FieldScope = subresource === "status" ? "status" : "main";
  const entry = { manager, operation, apiVersion, time: now, fieldsType: "FieldsV1" as const, ...(subresource ? { subresource } : {}) };
  if (!old) {
    // A create: nobody owned anything, so the writer owns every field it set. Same result as
    // the general path below, without its set comparisons (this runs on every create).
    const entries = writeOwners([{ entry, set: fieldsOf(updated, kind, scope).leaves }]);
    if (entries.length > 0) result.metadata.managedFields = entries;
    else delete result.metadata.managedFields;
    return result;
  }
  const before = fieldsOf(old, kind, scope).all;
  const after = fieldsOf(updated, kind, scope);
  const changed = new FieldSet();
  for (const path of after.leaves) {
    const last = path[path.length - 1];
    const isItem = last.startsWith("k:") || last.startsWith("v:");
    if (!before.has(path) || (!isItem && !deepEqual(valueAt(old, path), valueAt(updated, path)))) changed.add(path);
  }

  const owners = readOwners(old);
  let mine = owners.find((o) => isSameManager(o.entry, manager, operation, apiVersion, subresource));
  for (const owner of owners) {
    for (const path of owner.set) {
      const inScope = (path[0] === "f:status") === (scope === "status");
      // Fields that are gone are owned by nobody; changed ones now belong to this writer.
      if ((inScope && !after.all.has(path)) || (owner !== mine && changed.has(path))) {
        if (owner.set.delete(path)) owner.dirty = true;
      }
    }
  }
  if (changed.size > 0) {
    if (!mine) owners.push((mine = { entry: { manager, operation }, set: new FieldSet() }));
    for (const path of changed) mine.set.add(path);
    mine.entry = entry;
    mine.dirty = true;
  }
  const entries = writeOwners(owners);
  if (entries.length > 0) result.metadata.managedFields = entries;
  else delete result.metadata.managedFields;
  return result;
}
