/**
 * Validation of apps/v1 workloads: Deployment, ReplicaSet, DaemonSet, StatefulSet.
 */
import { fieldErrors, type FieldError } from "../errors.js";
import type { LabelSelector } from "../meta.js";
import { labelSelectorFromObject } from "../selectors.js";
import type { ControllerRevision, DaemonSet, Deployment, ReplicaSet, StatefulSet } from "../types/apps.js";
import type { IntOrString, PodTemplateSpec } from "../types/pod.js";
import { validateLabelSelector, validateNonNegative } from "./meta.js";
import { dns1123LabelErrors, regexError } from "./names.js";
import { validateWorkloadTemplate } from "./pod.js";

/**
 * A required, non-empty selector that the template's labels satisfy, and a valid template
 * with one of `restartPolicies`. Shared by every selector-based workload.
 */
export function validateSelectorAndTemplate(
  selector: LabelSelector | undefined,
  template: PodTemplateSpec | undefined,
  what: string,
  restartPolicies: string[] = ["Always"],
  path = "spec",
): FieldError[] {
  const errs: FieldError[] = [];
  let matches: ((l: Record<string, string>) => boolean) | undefined;
  if (!selector || typeof selector !== "object") errs.push(fieldErrors.required(`${path}.selector`));
  else {
    const selErrs = validateLabelSelector(selector, `${path}.selector`);
    errs.push(...selErrs);
    const n = Object.keys(selector.matchLabels ?? {}).length + (selector.matchExpressions ?? []).length;
    if (n === 0) errs.push(fieldErrors.invalid(`${path}.selector`, selector, `empty selector is invalid for ${what}`));
    else if (selErrs.length === 0) {
      const m = labelSelectorFromObject(selector);
      matches = (l) => m.matches(l);
    }
  }
  errs.push(...validateWorkloadTemplate(template, matches, `${path}.template`, restartPolicies));
  return errs;
}

const percentFmt = "[0-9]+%";

/** maxSurge/maxUnavailable: a non-negative integer or a percentage string such as "25%". */
export function validateIntOrPercent(v: IntOrString | undefined, path: string): FieldError[] {
  if (v === undefined) return [];
  if (typeof v === "string") {
    if (!new RegExp(`^${percentFmt}$`).test(v)) return [fieldErrors.invalid(path, v, regexError("a valid percent string must be a numeric string followed by an ending '%'", percentFmt, "1%", "93%"))];
    return [];
  }
  return validateNonNegative(v, path);
}

const intOrPercentValue = (v: IntOrString | undefined): number => (typeof v === "string" ? parseInt(v, 10) : v ?? 0);

function validateRollingParams(ru: { maxSurge?: IntOrString; maxUnavailable?: IntOrString }, path: string): FieldError[] {
  const errs = [...validateIntOrPercent(ru.maxUnavailable, `${path}.maxUnavailable`), ...validateIntOrPercent(ru.maxSurge, `${path}.maxSurge`)];
  if (intOrPercentValue(ru.maxUnavailable) === 0 && intOrPercentValue(ru.maxSurge) === 0) {
    errs.push(fieldErrors.invalid(`${path}.maxUnavailable`, ru.maxUnavailable, "may not be 0 when `maxSurge` is 0"));
  }
  if (typeof ru.maxUnavailable === "string" && intOrPercentValue(ru.maxUnavailable) > 100) {
    errs.push(fieldErrors.invalid(`${path}.maxUnavailable`, ru.maxUnavailable, "must not be greater than 100%"));
  }
  return errs;
}

/** Deployment: counters, selector/template, strategy, progress deadline. */
export function validateDeployment(d: Deployment): FieldError[] {
  const s = d.spec;
  if (!s || typeof s !== "object") return [fieldErrors.required("spec")];
  const errs: FieldError[] = [];
  for (const f of ["replicas", "minReadySeconds", "revisionHistoryLimit", "progressDeadlineSeconds"] as const) errs.push(...validateNonNegative(s[f], `spec.${f}`));
  errs.push(...validateSelectorAndTemplate(s.selector, s.template, "deployment"));
  const st = s.strategy;
  if (st) {
    if (st.type === "Recreate") {
      if (st.rollingUpdate) errs.push(fieldErrors.forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"));
    } else if (st.type === "RollingUpdate") {
      if (!st.rollingUpdate) errs.push(fieldErrors.required("spec.strategy.rollingUpdate", "this should be defaulted and never be nil"));
      else errs.push(...validateRollingParams(st.rollingUpdate, "spec.strategy.rollingUpdate"));
    } else errs.push(fieldErrors.notSupported("spec.strategy.type", st.type, ["Recreate", "RollingUpdate"]));
  }
  if (typeof s.progressDeadlineSeconds === "number" && s.progressDeadlineSeconds <= (s.minReadySeconds ?? 0)) {
    errs.push(fieldErrors.invalid("spec.progressDeadlineSeconds", s.progressDeadlineSeconds, "must be greater than minReadySeconds"));
  }
  return errs;
}

/** ReplicaSet: replicas, selector/template. */
export function validateReplicaSet(rs: ReplicaSet): FieldError[] {
  const s = rs.spec;
  if (!s || typeof s !== "object") return [fieldErrors.required("spec")];
  return [
    ...validateNonNegative(s.replicas, "spec.replicas"),
    ...validateNonNegative(s.minReadySeconds, "spec.minReadySeconds"),
    ...validateSelectorAndTemplate(s.selector, s.template, "replicaset"),
  ];
}

/** DaemonSet: selector/template, update strategy. */
export function validateDaemonSet(ds: DaemonSet): FieldError[] {
  const s = ds.spec;
  if (!s || typeof s !== "object") return [fieldErrors.required("spec")];
  const errs = [
    ...validateNonNegative(s.minReadySeconds, "spec.minReadySeconds"),
    ...validateNonNegative(s.revisionHistoryLimit, "spec.revisionHistoryLimit"),
    ...validateSelectorAndTemplate(s.selector, s.template, "daemonset"),
  ];
  const us = s.updateStrategy;
  if (us) {
    if (us.type !== "RollingUpdate" && us.type !== "OnDelete") errs.push(fieldErrors.notSupported("spec.updateStrategy.type", us.type, ["OnDelete", "RollingUpdate"]));
    if (us.type === "RollingUpdate" && us.rollingUpdate) errs.push(...validateRollingParams(us.rollingUpdate, "spec.updateStrategy.rollingUpdate"));
  }
  return errs;
}

/** StatefulSet: replicas, selector/template, policies, update strategy. */
export function validateStatefulSet(ss: StatefulSet): FieldError[] {
  const s = ss.spec;
  if (!s || typeof s !== "object") return [fieldErrors.required("spec")];
  const errs: FieldError[] = [];
  for (const f of ["replicas", "minReadySeconds", "revisionHistoryLimit"] as const) errs.push(...validateNonNegative(s[f], `spec.${f}`));
  errs.push(...validateSelectorAndTemplate(s.selector, s.template, "statefulset"));
  if (s.serviceName) for (const m of dns1123LabelErrors(s.serviceName)) errs.push(fieldErrors.invalid("spec.serviceName", s.serviceName, m));
  if (s.podManagementPolicy !== undefined && !["OrderedReady", "Parallel"].includes(s.podManagementPolicy)) {
    errs.push(fieldErrors.notSupported("spec.podManagementPolicy", s.podManagementPolicy, ["OrderedReady", "Parallel"]));
  }
  const us = s.updateStrategy;
  if (us) {
    if (us.type !== "RollingUpdate" && us.type !== "OnDelete") errs.push(fieldErrors.notSupported("spec.updateStrategy.type", us.type, ["OnDelete", "RollingUpdate"]));
    if (us.type === "OnDelete" && us.rollingUpdate) errs.push(fieldErrors.invalid("spec.updateStrategy.rollingUpdate", us.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
    errs.push(...validateNonNegative(us.rollingUpdate?.partition, "spec.updateStrategy.rollingUpdate.partition"));
  }
  const rp = s.persistentVolumeClaimRetentionPolicy;
  for (const f of ["whenDeleted", "whenScaled"] as const) {
    if (rp?.[f] !== undefined && !["Delete", "Retain"].includes(rp[f]!)) errs.push(fieldErrors.notSupported(`spec.persistentVolumeClaimRetentionPolicy.${f}`, rp[f], ["Delete", "Retain"]));
  }
  (Array.isArray(s.volumeClaimTemplates) ? s.volumeClaimTemplates : []).forEach((pvc, i) => {
    const n = pvc?.metadata?.name;
    if (!n) errs.push(fieldErrors.required(`spec.volumeClaimTemplates[${i}].metadata.name`));
    else for (const m of dns1123LabelErrors(n)) errs.push(fieldErrors.invalid(`spec.volumeClaimTemplates[${i}].metadata.name`, n, m));
  });
  return errs;
}

/** ControllerRevision: `data` present, `revision` a required non-negative integer. */
export function validateControllerRevision(cr: ControllerRevision): FieldError[] {
  const errs: FieldError[] = [];
  if (cr.data === undefined || cr.data === null) errs.push(fieldErrors.required("data", "data is mandatory"));
  // Kubernetes decodes a missing revision as 0; kates asks for it, as the OpenAPI schema marks it required.
  if (cr.revision === undefined || cr.revision === null) errs.push(fieldErrors.required("revision"));
  else errs.push(...validateNonNegative(cr.revision, "revision"));
  return errs;
}
