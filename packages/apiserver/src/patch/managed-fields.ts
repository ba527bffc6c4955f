/**
 * metadata.managedFields entries decoded into field sets, and the 409 an apply conflict gets.
 */
import { ApiError, type KObject, type ManagedFieldsEntry } from "@kates/api";
import { FieldSet, pathString, type FieldPath } from "./fieldsets.js";

/** A managedFields entry with its fields decoded. */
export interface Owner {
  entry: ManagedFieldsEntry;
  set: FieldSet;
  /**
   * False while set is exactly what entry.fieldsV1 encodes (and entry is unchanged): then
   * writeOwners keeps the entry as it is instead of encoding the set again. Whoever changes
   * set or entry must mark the owner dirty (entries made by the caller have no flag, so count as dirty).
   */
  dirty?: boolean;
}

/** The managedFields of obj, decoded; entries without fields decode to empty sets. */
export function readOwners(obj: KObject | undefined): Owner[] {
  return (obj?.metadata.managedFields ?? []).map((entry) => ({ entry, set: FieldSet.fromFieldsV1(entry.fieldsV1), dirty: entry.fieldsType !== "FieldsV1" }));
}

/** Encodes owners back into managedFields entries, dropping those that own nothing. */
export function writeOwners(owners: Owner[]): ManagedFieldsEntry[] {
  return owners
    .filter((o) => o.set.size > 0)
    .map((o) => (o.dirty === false ? o.entry : { ...o.entry, fieldsType: "FieldsV1" as const, fieldsV1: o.set.toFieldsV1() }));
}

/**
 * Whether entry belongs to the writer. As in Kubernetes, a writer is its manager name, operation
 * and subresource, and for Update also the apiVersion (appliers keep one entry across versions).
 */
export function isSameManager(entry: ManagedFieldsEntry, manager: string, operation: "Apply" | "Update", apiVersion: string, subresource?: string): boolean {
  return entry.manager === manager
    && entry.operation === operation
    && (entry.subresource ?? "") === (subresource ?? "")
    && (operation === "Apply" || entry.apiVersion === apiVersion);
}

/** `"kubectl-client-side-apply" using apps/v1`: how Kubernetes names a manager in conflicts. */
export function describeManager(entry: ManagedFieldsEntry): string {
  let s = JSON.stringify(entry.manager ?? "");
  if (entry.subresource) s += ` with subresource ${JSON.stringify(entry.subresource)}`;
  if (entry.operation === "Update") s += ` using ${entry.apiVersion ?? ""}`;
  return s;
}

/** One field another manager owns with a different value. */
export interface Conflict {
  owner: Owner;
  path: FieldPath;
}

/** 409 Conflict worded as kube-apiserver's apply conflicts, one cause per field. */
export class ApplyConflictError extends ApiError {
  constructor(conflicts: Conflict[]) {
    super(409, "Conflict", conflictMessage(conflicts), {
      causes: conflicts.map((c) => ({ reason: "FieldManagerConflict", message: `conflict with ${describeManager(c.owner.entry)}`, field: pathString(c.path) })),
    });
  }
}

function conflictMessage(conflicts: Conflict[]): string {
  if (conflicts.length === 1) {
    const [c] = conflicts;
    return `Apply failed with 1 conflict: conflict with ${describeManager(c.owner.entry)}: ${pathString(c.path)}`;
  }
  const byManager = new Map<string, string[]>();
  for (const c of conflicts) {
    const who = describeManager(c.owner.entry);
    byManager.set(who, [...(byManager.get(who) ?? []), pathString(c.path)]);
  }
  const lines: string[] = [];
  for (const who of [...byManager.keys()].sort()) {
    lines.push(`conflicts with ${who}:`, ...(byManager.get(who) as string[]).map((p) => `- ${p}`));
  }
  return `Apply failed with ${conflicts.length} conflicts: ${lines.join("\n")}`;
}
