/**
 * Update-only rules: what may not change once an object exists.
 */
import { fieldErrors, type FieldError } from "../errors.js";
import type { KObject } from "../meta.js";
import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet } from "../types/apps.js";
import type { Job } from "../types/batch.js";
import type { ConfigMap, PersistentVolumeClaim, Pod, PodSpec, Secret, Service } from "../types/core.js";
import { deepEqual, validateImmutable } from "./meta.js";

type UpdateRule = (obj: never, old: never) => FieldError[];

const POD_UPDATE_MSG =
  "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

/** Pods: only images, activeDeadlineSeconds, added tolerations and a first nodeName may change. */
function podUpdate(pod: Pod, old: Pod): FieldError[] {
  const n = pod.spec;
  const o = old.spec;
  if (!n || !o) return [];
  const masked: PodSpec = structuredClone(n);
  for (const list of ["containers", "initContainers"] as const) {
    const oc = o[list] ?? [];
    masked[list]?.forEach((c, i) => {
      if (oc[i] && c) c.image = oc[i].image;
    });
  }
  masked.activeDeadlineSeconds = o.activeDeadlineSeconds;
  masked.terminationGracePeriodSeconds = o.terminationGracePeriodSeconds;
  const ot = o.tolerations ?? [];
  if (ot.every((t) => (n.tolerations ?? []).some((x) => deepEqual(x, t)))) masked.tolerations = o.tolerations;
  // Binding a pod sets nodeName once; kates lets that go through an update as well.
  if (!o.nodeName) masked.nodeName = o.nodeName;
  if (deepEqual(masked, o)) return [];
  return [fieldErrors.forbidden("spec", POD_UPDATE_MSG)];
}

/** Services keep their clusterIP unless they become, or stop being, an ExternalName. */
function serviceUpdate(svc: Service, old: Service): FieldError[] {
  const n = svc.spec;
  const o = old.spec;
  if (!n || !o || n.type === "ExternalName" || o.type === "ExternalName" || !o.clusterIP) return [];
  // An omitted clusterIP means "keep it": prepareServiceUpdate (or the allocator) copies it over.
  const errs = n.clusterIP ? validateImmutable(n.clusterIP, o.clusterIP, "spec.clusterIP") : [];
  if (o.clusterIPs?.length && n.clusterIPs?.length && n.clusterIPs[0] !== o.clusterIPs[0]) {
    errs.push(fieldErrors.invalid("spec.clusterIPs[0]", n.clusterIPs, "may not change once set"));
  }
  return errs;
}

const STS_MUTABLE = ["replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy", "minReadySeconds"];

function statefulSetUpdate(ss: StatefulSet, old: StatefulSet): FieldError[] {
  const strip = (s: object | undefined) => Object.fromEntries(Object.entries(s ?? {}).filter(([k]) => !STS_MUTABLE.includes(k)));
  if (deepEqual(strip(ss.spec), strip(old.spec))) return [];
  return [fieldErrors.forbidden("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")];
}

function jobUpdate(job: Job, old: Job): FieldError[] {
  const n = job.spec;
  const o = old.spec;
  if (!n || !o) return [];
  const errs = [
    ...validateImmutable(n.selector, o.selector, "spec.selector"),
    ...validateImmutable(n.completions, o.completions, "spec.completions"),
    ...validateImmutable(n.completionMode, o.completionMode, "spec.completionMode"),
  ];
  // A suspended Job that never started may have its template adjusted (Kubernetes allows the
  // scheduling directives; kates allows the whole template).
  if (!(o.suspend === true && !old.status?.startTime)) errs.push(...validateImmutable(n.template, o.template, "spec.template"));
  return errs;
}

function pvcUpdate(pvc: PersistentVolumeClaim, old: PersistentVolumeClaim): FieldError[] {
  const strip = (s: PersistentVolumeClaim["spec"], volumeName: string | undefined) => ({ ...s, resources: { ...s?.resources, requests: undefined }, volumeName });
  // volumeName may be set once, by the binder.
  const volumeName = old.spec?.volumeName ? old.spec.volumeName : pvc.spec?.volumeName;
  if (deepEqual(strip(pvc.spec, pvc.spec?.volumeName), strip(old.spec, volumeName))) return [];
  return [fieldErrors.forbidden("spec", "spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims")];
}

function immutableData(fields: string[]) {
  return (obj: ConfigMap | Secret, old: ConfigMap | Secret): FieldError[] => {
    if (old.immutable !== true) return [];
    const errs: FieldError[] = [];
    if (obj.immutable !== true) errs.push(fieldErrors.forbidden("immutable", "field is immutable when `immutable` is set"));
    for (const f of fields) {
      if (!deepEqual((obj as KObject)[f], (old as KObject)[f])) errs.push(fieldErrors.forbidden(f, "field is immutable when `immutable` is set"));
    }
    return errs;
  };
}

const selectorImmutable = (obj: Deployment | ReplicaSet | DaemonSet, old: Deployment | ReplicaSet | DaemonSet): FieldError[] =>
  obj.spec && old.spec ? validateImmutable(obj.spec.selector, old.spec.selector, "spec.selector") : [];

const rules: Record<string, UpdateRule> = {
  "/Pod": podUpdate,
  "/Service": serviceUpdate,
  "/PersistentVolumeClaim": pvcUpdate,
  "/ConfigMap": immutableData(["data", "binaryData"]),
  "/Secret": (s: Secret, o: Secret) => [
    ...immutableData(["data"])(s, o),
    ...validateImmutable(s.type, o.type, "type"),
  ],
  "apps/Deployment": selectorImmutable,
  "apps/ReplicaSet": selectorImmutable,
  "apps/DaemonSet": selectorImmutable,
  "apps/StatefulSet": statefulSetUpdate,
  // Only data is frozen: controllers renumber a reused revision, which is how rollback works.
  "apps/ControllerRevision": (cr: ControllerRevision, old: ControllerRevision) => validateImmutable(cr.data, old.data, "data"),
  "batch/Job": jobUpdate,
};

/** The immutability checks for one kind (metadata.name/uid/namespace are the apiserver's). */
export function validateUpdateRules(obj: KObject, old: KObject, group: string, kind: string): FieldError[] {
  const rule = rules[`${group}/${kind}`] as ((o: KObject, p: KObject) => FieldError[]) | undefined;
  return rule ? rule(obj, old) : [];
}
