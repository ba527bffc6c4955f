/**
 * Revision history for pod-template workloads (StatefulSet, DaemonSet): the apps/v1
 * ControllerRevisions that record each template the owner has had. `kubectl rollout history`
 * lists them and `kubectl rollout undo` patches the owner with one's `data`, so their shape
 * follows Kubernetes exactly: name `<owner>-<hash>`, the selector's labels plus
 * `controller.kubernetes.io/hash`, a controller reference, `data` =
 * `{"spec":{"template":{...,"$patch":"replace"}}}`.
 */
import type { ControllerRevision, KObject, LabelSelector, PodTemplateSpec } from "@kates/api";
import { findResource, isAlreadyExists, isNotFound } from "@kates/api";
import { newControllerRef, sameJson, templateHash, type ObjectClient } from "../job/workload-utils.js";

/** The controllerrevisions resource. */
export const CONTROLLER_REVISIONS = findResource("apps", "v1", "controllerrevisions")!;

export const HASH_LABEL = "controller.kubernetes.io/hash";

/** Kubernetes keeps ten old revisions unless spec.revisionHistoryLimit says otherwise. */
const DEFAULT_HISTORY_LIMIT = 10;

/** An apps/v1 workload whose pods come from one template (StatefulSet, DaemonSet). */
export interface TemplatedOwner extends KObject {
  kind?: string;
  spec?: { template?: PodTemplateSpec; selector?: LabelSelector; revisionHistoryLimit?: number };
}

/** The name of the revision recording `owner`'s current template. */
export const revisionName = (owner: TemplatedOwner): string => `${owner.metadata.name}-${templateHash(owner.spec?.template)}`;

/** The patch that restores `owner`'s template: `$patch: replace` so no old field survives the merge. */
export function revisionData(owner: TemplatedOwner): { spec: { template: PodTemplateSpec & { $patch: "replace" } } } {
  return { spec: { template: { ...structuredClone(owner.spec?.template ?? {}), $patch: "replace" } } };
}

/** The ControllerRevision recording `owner`'s current template as number `revision`; `kind` names the owner's kind. */
export function newRevision(owner: TemplatedOwner, kind: string, revision: number): ControllerRevision {
  const hash = templateHash(owner.spec?.template);
  return {
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: {
      name: revisionName(owner),
      namespace: owner.metadata.namespace,
      labels: { ...owner.spec?.selector?.matchLabels, [HASH_LABEL]: hash },
      ownerReferences: [newControllerRef(owner, "apps/v1", kind)],
    },
    data: revisionData(owner),
    revision,
  };
}

/** The highest revision number among `revisions`, 0 when there are none. */
export const maxRevision = (revisions: readonly ControllerRevision[]): number => revisions.reduce((m, r) => Math.max(m, r.revision ?? 0), 0);

/** What keeping the history for the current template takes. */
export type RevisionPlan =
  | { action: "none"; revision: ControllerRevision }
  | { action: "create"; revision: ControllerRevision }
  /** An older revision holds the same template: renumber it to the newest, as a rollback does. */
  | { action: "renumber"; revision: ControllerRevision };

/**
 * Decides how the current template's revision comes to be the newest one. A same-named
 * revision with other data would be a hash collision; it is reported rather than overwritten.
 */
export function planUpdateRevision(owner: TemplatedOwner, kind: string, revisions: readonly ControllerRevision[]): RevisionPlan {
  const max = maxRevision(revisions);
  const wanted = newRevision(owner, kind, max + 1);
  const existing = revisions.find((r) => r.metadata.name === wanted.metadata.name);
  if (!existing) return { action: "create", revision: wanted };
  if (!sameJson(existing.data, wanted.data)) throw new Error(`ControllerRevision ${wanted.metadata.name} exists with another template (hash collision)`);
  if (existing.revision === max && revisions.filter((r) => r.revision === max).length === 1) return { action: "none", revision: existing };
  return { action: "renumber", revision: { ...structuredClone(existing), revision: max + 1 } };
}

/** Revisions to delete: the oldest of those not named in `inUse`, beyond spec.revisionHistoryLimit. */
export function revisionsToTrim(owner: TemplatedOwner, revisions: readonly ControllerRevision[], inUse: Iterable<string | undefined>): ControllerRevision[] {
  const used = new Set(inUse);
  const old = revisions.filter((r) => !used.has(r.metadata.name)).sort((a, b) => a.revision - b.revision);
  const limit = Math.max(0, owner.spec?.revisionHistoryLimit ?? DEFAULT_HISTORY_LIMIT);
  return old.slice(0, Math.max(0, old.length - limit));
}

/** The template a revision records (its data without the `$patch` directive), if it holds one. */
export function templateOf(revision: ControllerRevision): PodTemplateSpec | undefined {
  const tpl = (revision.data as { spec?: { template?: PodTemplateSpec & { $patch?: string } } } | undefined)?.spec?.template;
  if (!tpl) return undefined;
  const { $patch: _directive, ...rest } = tpl;
  return rest;
}

/** Makes `owner`'s current template's ControllerRevision exist and carry the highest number. */
export async function ensureUpdateRevision(client: ObjectClient, owner: TemplatedOwner, kind: string, revisions: readonly ControllerRevision[]): Promise<void> {
  const plan = planUpdateRevision(owner, kind, revisions);
  if (plan.action === "none") return;
  if (plan.action === "renumber") {
    // A stale cache makes this a 409; the retry sees the fresh list.
    await client.update(CONTROLLER_REVISIONS, plan.revision);
    return;
  }
  try {
    await client.create(CONTROLLER_REVISIONS, owner.metadata.namespace, plan.revision);
  } catch (err) {
    // Created by an earlier sync the informer has not delivered yet.
    if (!isAlreadyExists(err)) throw err;
  }
}

/** Deletes the revisions `revisionsToTrim` picks; one already gone is fine. */
export async function trimHistory(client: ObjectClient, owner: TemplatedOwner, revisions: readonly ControllerRevision[], inUse: Iterable<string | undefined>): Promise<void> {
  for (const r of revisionsToTrim(owner, revisions, inUse)) {
    try {
      await client.delete(CONTROLLER_REVISIONS, r.metadata.namespace, r.metadata.name!);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
