/**
 * Object validation, as the apiserver runs it after defaulting: `validateObject` on create,
 * `validateUpdate` on update (the same checks plus immutability). Errors carry Kubernetes
 * field paths and wording; wrap them in an InvalidError for the 422 response.
 */
import type { FieldError } from "../errors.js";
import type { KObject } from "../meta.js";
import type { ResourceInfo } from "../resources.js";
import { validateControllerRevision, validateDaemonSet, validateDeployment, validateReplicaSet, validateStatefulSet } from "./apps.js";
import { validateCronJob, validateJob } from "./batch.js";
import {
  validateConfigMap, validateEndpoints, validateEvent, validateNamespace, validateNode, validatePersistentVolume, validatePersistentVolumeClaim,
  validatePod, validateReplicationController, validateSecret, validateService,
} from "./core.js";
import { validateLease, validateEndpointSlice } from "./misc.js";
import { nameIsDNSLabel, nameIsDNSSubdomain, validateObjectMeta, type NameValidator } from "./meta.js";
import { dns1035LabelErrors } from "./names.js";
import { validateUpdateRules } from "./update.js";

export * from "./names.js";
export * from "./meta.js";
export * from "./quantity.js";
export * from "./cron.js";
export { validatePodSpec, validatePodTemplateSpec, validateWorkloadTemplate } from "./pod.js";
export * from "./core.js";
export * from "./apps.js";
export * from "./batch.js";
export * from "./misc.js";

/** Service names become DNS labels that must start with a letter. */
export const nameIsDNS1035Label: NameValidator = (name, prefix) => dns1035LabelErrors(prefix && name.length > 1 && name.endsWith("-") ? `${name.slice(0, -1)}a` : name);

const NAME_RULES: Record<string, NameValidator> = { "/Namespace": nameIsDNSLabel, "/Service": nameIsDNS1035Label };

const KIND_RULES: Record<string, (obj: never) => FieldError[]> = {
  "/Pod": validatePod,
  "/Service": validateService,
  "/ReplicationController": validateReplicationController,
  "/Endpoints": validateEndpoints,
  "/Node": validateNode,
  "/Namespace": validateNamespace,
  "/Event": validateEvent,
  "/ConfigMap": validateConfigMap,
  "/Secret": validateSecret,
  "/PersistentVolume": validatePersistentVolume,
  "/PersistentVolumeClaim": validatePersistentVolumeClaim,
  "apps/Deployment": validateDeployment,
  "apps/ReplicaSet": validateReplicaSet,
  "apps/DaemonSet": validateDaemonSet,
  "apps/StatefulSet": validateStatefulSet,
  "apps/ControllerRevision": validateControllerRevision,
  "batch/Job": validateJob,
  "batch/CronJob": validateCronJob,
  "coordination.k8s.io/Lease": validateLease,
  "discovery.k8s.io/EndpointSlice": validateEndpointSlice,
};

/**
 * Validates an object for create: metadata (name rules per kind, labels, annotations)
 * and the kind's own rules.
 * @example
 * const errs = validateObject(obj, ri);
 * if (errs.length) throw new InvalidError(ri.kind, obj.metadata.name ?? "", errs, ri.group);
 */
export function validateObject(obj: KObject, ri: Pick<ResourceInfo, "group" | "kind">): FieldError[] {
  const key = `${ri.group}/${ri.kind}`;
  const errs = validateObjectMeta(obj?.metadata, NAME_RULES[key] ?? nameIsDNSSubdomain);
  if (!obj?.metadata || typeof obj.metadata !== "object") return errs;
  const rule = KIND_RULES[key] as ((o: KObject) => FieldError[]) | undefined;
  if (rule) errs.push(...rule(obj));
  return errs;
}

/** Validates an update: everything `validateObject` checks plus the kind's immutable fields. */
export function validateUpdate(obj: KObject, old: KObject, ri: Pick<ResourceInfo, "group" | "kind">): FieldError[] {
  const errs = validateObject(obj, ri);
  if (obj?.metadata && old?.metadata) errs.push(...validateUpdateRules(obj, old, ri.group, ri.kind));
  return errs;
}
