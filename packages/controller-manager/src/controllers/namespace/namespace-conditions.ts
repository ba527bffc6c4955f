/**
 * The deletion conditions of a Terminating namespace, worded as Kubernetes' namespace
 * controller words them, so that `kubectl describe ns` says what deletion is waiting for.
 */
import type { Condition } from "@kates/api";

/** What one deletion pass found: objects left per resource, finalizers left, errors. */
export interface DeletionPass {
  /** "pods." or "deployments.apps" -> objects still present. */
  remaining: Map<string, number>;
  /** finalizer -> objects still carrying it. */
  finalizers: Map<string, number>;
  /** Delete or list errors, as messages. */
  failures: string[];
}

const list = (m: Map<string, number>, unit: string) =>
  [...m.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} has ${n} ${unit}`).join(", ");

/**
 * The conditions for a pass, keeping lastTransitionTime of conditions whose status did not
 * change. Returns the full list to store in status.conditions.
 */
export function deletionConditions(pass: DeletionPass, previous: Condition[], now: string): Condition[] {
  const wanted: Condition[] = [
    { type: "NamespaceDeletionDiscoveryFailure", status: "False", reason: "ResourcesDiscovered", message: "All resources successfully discovered" },
    { type: "NamespaceDeletionGroupVersionParsingFailure", status: "False", reason: "ParsedGroupVersions", message: "All legacy kube types successfully parsed" },
    pass.failures.length
      ? { type: "NamespaceDeletionContentFailure", status: "True", reason: "ContentDeletionFailed", message: `Failed to delete all resource types, ${pass.failures.length} remaining: ${pass.failures.join(", ")}` }
      : { type: "NamespaceDeletionContentFailure", status: "False", reason: "ContentDeleted", message: "All content successfully deleted, may be waiting on finalization" },
    pass.remaining.size
      ? { type: "NamespaceContentRemaining", status: "True", reason: "SomeResourcesRemain", message: `Some resources are remaining: ${list(pass.remaining, "resource instances")}` }
      : { type: "NamespaceContentRemaining", status: "False", reason: "ContentRemoved", message: "All content successfully removed" },
    pass.finalizers.size
      ? { type: "NamespaceFinalizersRemaining", status: "True", reason: "SomeFinalizersRemain", message: `Some content in the namespace has finalizers remaining: ${[...pass.finalizers.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([f, n]) => `${f} in ${n} resource instances`).join(", ")}` }
      : { type: "NamespaceFinalizersRemaining", status: "False", reason: "ContentHasNoFinalizers", message: "All content-preserving finalizers finished" },
  ];
  return wanted.map((c) => {
    const old = previous.find((p) => p.type === c.type);
    return { ...c, lastTransitionTime: old && old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : now };
  });
}

/** Whether two condition lists say the same (times aside). */
export function sameConditions(a: Condition[], b: Condition[]): boolean {
  const norm = (cs: Condition[]) => JSON.stringify(cs.map(({ type, status, reason, message }) => ({ type, status, reason, message })));
  return norm(a) === norm(b);
}
