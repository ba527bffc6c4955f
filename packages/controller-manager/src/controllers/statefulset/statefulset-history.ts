/**
 * StatefulSet revision history: the apps/v1 ControllerRevisions that record each template a
 * StatefulSet has had. `kubectl rollout history` lists them and `kubectl rollout undo`
 * patches the StatefulSet with one's `data`, so their shape follows Kubernetes exactly:
 * name `<sts>-<hash>`, the selector's labels plus `controller.kubernetes.io/hash`, a
 * controller reference, `data` = `{"spec":{"template":{...,"$patch":"replace"}}}`.
 */
import type { ControllerRevision, PodTemplateSpec, StatefulSet } from "@kates/api";
import { findResource } from "@kates/api";
import { newControllerRef, sameJson, templateHash } from "../job/workload-utils.js";
import { REVISION_LABEL } from "./statefulset-utils.js";

/** The controllerrevisions resource. */
export const CONTROLLER_REVISIONS = findResource("apps", "v1", "controllerrevisions")!;

export const HASH_LABEL = "controller.kubernetes.io/hash";

/** Kubernetes keeps ten old revisions unless spec.revisionHistoryLimit says otherwise. */
const DEFAULT_HISTORY_LIMIT = 10;

/** The patch that restores `sts`'s template: `$patch: replace` so no old field survives the merge. */
export function revisionData(sts: StatefulSet): { spec: { template: PodTemplateSpec & { $patch: "replace" } } } {
  return { spec: { template: { ...structuredClone(sts.spec?.template ?? {}), $patch: "replace" } } };
}

/** The ControllerRevision recording `sts`'s current template as number `revision`. */
export function newRevision(sts: StatefulSet, revision: number): ControllerRevision {
  const hash = templateHash(sts.spec?.template);
  return {
    apiVersion: "apps/v1",
    kind: "ControllerRevision",
    metadata: {
      name: `${sts.metadata.name}-${hash}`,
      namespace: sts.metadata.namespace,
      labels: { ...sts.spec?.selector?.matchLabels, [HASH_LABEL]: hash },
      ownerReferences: [newControllerRef(sts, "apps/v1", "StatefulSet")],
    },
    data: revisionData(sts),
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
export function planUpdateRevision(sts: StatefulSet, revisions: readonly ControllerRevision[]): RevisionPlan {
  const max = maxRevision(revisions);
  const wanted = newRevision(sts, max + 1);
  const existing = revisions.find((r) => r.metadata.name === wanted.metadata.name);
  if (!existing) return { action: "create", revision: wanted };
  if (!sameJson(existing.data, wanted.data)) throw new Error(`ControllerRevision ${wanted.metadata.name} exists with another template (hash collision)`);
  if (existing.revision === max && revisions.filter((r) => r.revision === max).length === 1) return { action: "none", revision: existing };
  return { action: "renumber", revision: { ...structuredClone(existing), revision: max + 1 } };
}

/**
 * Revisions to delete: the oldest of those neither the current nor the update revision nor
 * named by any pod's controller-revision-hash, beyond spec.revisionHistoryLimit.
 */
export function revisionsToTrim(
  sts: StatefulSet,
  revisions: readonly ControllerRevision[],
  pods: readonly { metadata: { labels?: Record<string, string> } }[],
  live: readonly (string | undefined)[],
): ControllerRevision[] {
  const inUse = new Set<string | undefined>([...live, ...pods.map((p) => p.metadata.labels?.[REVISION_LABEL])]);
  const old = revisions.filter((r) => !inUse.has(r.metadata.name)).sort((a, b) => a.revision - b.revision);
  const limit = Math.max(0, sts.spec?.revisionHistoryLimit ?? DEFAULT_HISTORY_LIMIT);
  return old.slice(0, Math.max(0, old.length - limit));
}

/** The template a revision records (its data without the `$patch` directive), if it holds one. */
export function templateOf(revision: ControllerRevision): PodTemplateSpec | undefined {
  const tpl = (revision.data as { spec?: { template?: PodTemplateSpec & { $patch?: string } } } | undefined)?.spec?.template;
  if (!tpl) return undefined;
  const { $patch: _directive, ...rest } = tpl;
  return rest;
}
