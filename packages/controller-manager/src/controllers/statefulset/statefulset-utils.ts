/** Naming and pod construction for StatefulSets: ordinals, claim names, revisions. */
import type { PersistentVolumeClaim, Pod, StatefulSet } from "@kates/api";
import { newControllerRef, templateHash } from "../job/workload-utils.js";

export const POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
export const POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";
export const REVISION_LABEL = "controller-revision-hash";

/** The ordinal of a pod named `<sts>-<n>`, or undefined if the name has another shape. */
export function podOrdinal(sts: StatefulSet, pod: Pod): number | undefined {
  const prefix = `${sts.metadata.name}-`;
  const name = pod.metadata.name ?? "";
  if (!name.startsWith(prefix)) return undefined;
  const rest = name.slice(prefix.length);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : undefined;
}

/** `<sts>-<hash of the template>`: the revision name pods carry in controller-revision-hash. */
export const revisionOf = (sts: StatefulSet): string => `${sts.metadata.name}-${templateHash(sts.spec?.template)}`;

/** `<template>-<sts>-<ordinal>`, the claim a pod of that ordinal uses for a volumeClaimTemplate. */
export const claimName = (template: PersistentVolumeClaim, sts: StatefulSet, ordinal: number): string =>
  `${template.metadata.name}-${sts.metadata.name}-${ordinal}`;

/** The claims a pod of `ordinal` needs, built from volumeClaimTemplates (no owner: claims are retained). */
export function claimsFor(sts: StatefulSet, ordinal: number): PersistentVolumeClaim[] {
  return (sts.spec?.volumeClaimTemplates ?? []).map((t) => ({
    apiVersion: "v1",
    kind: "PersistentVolumeClaim",
    metadata: {
      name: claimName(t, sts, ordinal),
      namespace: sts.metadata.namespace,
      labels: { ...t.metadata.labels, ...sts.spec?.selector?.matchLabels },
      annotations: t.metadata.annotations ? { ...t.metadata.annotations } : undefined,
    },
    spec: structuredClone(t.spec ?? {}),
  }));
}

/** The pod for `ordinal`: stable name and hostname, the set's service as subdomain, claims as volumes. */
export function newStatefulPod(sts: StatefulSet, ordinal: number): Pod {
  const name = `${sts.metadata.name}-${ordinal}`;
  const tpl = sts.spec?.template ?? {};
  const spec = structuredClone(tpl.spec ?? { containers: [] });
  const templates = sts.spec?.volumeClaimTemplates ?? [];
  const claimVolumes = templates.map((t) => ({ name: t.metadata.name!, persistentVolumeClaim: { claimName: claimName(t, sts, ordinal) } }));
  spec.volumes = [...(spec.volumes ?? []).filter((v) => !templates.some((t) => t.metadata.name === v.name)), ...claimVolumes];
  spec.hostname = name;
  if (sts.spec?.serviceName) spec.subdomain = sts.spec.serviceName;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: sts.metadata.namespace,
      labels: { ...tpl.metadata?.labels, [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal), [REVISION_LABEL]: revisionOf(sts) },
      annotations: tpl.metadata?.annotations ? { ...tpl.metadata.annotations } : undefined,
      ownerReferences: [newControllerRef(sts, "apps/v1", "StatefulSet")],
    },
    spec,
  };
}
