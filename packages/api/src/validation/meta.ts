/**
 * Validation of ObjectMeta, labels, annotations and label selectors, plus the small
 * field checks ("must be greater than or equal to 0") every group reuses.
 */
import { fieldErrors, type FieldError } from "../errors.js";
import type { LabelSelector, ObjectMeta } from "../meta.js";
import { dns1123LabelErrors, dns1123SubdomainErrors, labelValueErrors, qualifiedNameErrors } from "./names.js";

/** Returns detail messages for a candidate name; `prefix` is true for generateName. */
export type NameValidator = (name: string, prefix: boolean) => string[];

// generateName prefixes usually end in "-"; validate them as if a suffix followed.
const maskTrailingDash = (name: string): string => (name.length > 1 && name.endsWith("-") ? `${name.slice(0, -1)}a` : name);

/** Names that must be DNS-1123 subdomains (most kinds). */
export const nameIsDNSSubdomain: NameValidator = (name, prefix) => dns1123SubdomainErrors(prefix ? maskTrailingDash(name) : name);
/** Names that must be DNS-1123 labels (namespaces). */
export const nameIsDNSLabel: NameValidator = (name, prefix) => dns1123LabelErrors(prefix ? maskTrailingDash(name) : name);

/** The largest total size of an object's annotations (keys plus values), as in Kubernetes. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

/** `field: Invalid value: -1: must be greater than or equal to 0` when value is negative. */
export function validateNonNegative(value: unknown, path: string): FieldError[] {
  if (value === undefined || value === null) return [];
  if (typeof value !== "number" || !Number.isInteger(value)) return [fieldErrors.invalid(path, value, "must be an integer")];
  return value < 0 ? [fieldErrors.invalid(path, value, "must be greater than or equal to 0")] : [];
}

/** Label keys must be qualified names and values valid label values; errors name `path`, as Kubernetes does. */
export function validateLabels(labels: unknown, path: string): FieldError[] {
  if (labels === undefined || labels === null) return [];
  if (typeof labels !== "object" || Array.isArray(labels)) return [fieldErrors.typeInvalid(path, labels, "must be a map of string keys to string values")];
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels as Record<string, unknown>)) {
    for (const m of qualifiedNameErrors(k)) errs.push(fieldErrors.invalid(path, k, m));
    if (typeof v !== "string") {
      errs.push(fieldErrors.typeInvalid(`${path}.${k}`, v, "must be a string"));
      continue;
    }
    for (const m of labelValueErrors(v)) errs.push(fieldErrors.invalid(path, v, m));
  }
  return errs;
}

/** Annotation keys must be qualified names; keys plus values may total at most 256 KiB. */
export function validateAnnotations(annotations: unknown, path: string): FieldError[] {
  if (annotations === undefined || annotations === null) return [];
  if (typeof annotations !== "object" || Array.isArray(annotations)) return [fieldErrors.typeInvalid(path, annotations, "must be a map of string keys to string values")];
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(annotations as Record<string, unknown>)) {
    for (const m of qualifiedNameErrors(k.toLowerCase())) errs.push(fieldErrors.invalid(path, k, m));
    if (typeof v !== "string") errs.push(fieldErrors.typeInvalid(`${path}.${k}`, v, "must be a string"));
    total += Buffer.byteLength(k) + Buffer.byteLength(String(v));
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(fieldErrors.tooLong(path, "", TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

/**
 * Validates metadata: name or generateName present and well formed, namespace a DNS label
 * when given, labels, annotations, owner references and finalizers.
 */
export function validateObjectMeta(meta: ObjectMeta | undefined, nameFn: NameValidator, path = "metadata"): FieldError[] {
  if (!meta || typeof meta !== "object") return [fieldErrors.required(path)];
  const errs: FieldError[] = [];
  if (meta.generateName) for (const m of nameFn(meta.generateName, true)) errs.push(fieldErrors.invalid(`${path}.generateName`, meta.generateName, m));
  if (!meta.name) {
    if (!meta.generateName) errs.push(fieldErrors.required(`${path}.name`, "name or generateName is required"));
  } else {
    for (const m of nameFn(meta.name, false)) errs.push(fieldErrors.invalid(`${path}.name`, meta.name, m));
  }
  if (meta.namespace) for (const m of dns1123LabelErrors(meta.namespace)) errs.push(fieldErrors.invalid(`${path}.namespace`, meta.namespace, m));
  errs.push(...validateNonNegative(meta.generation, `${path}.generation`));
  errs.push(...validateLabels(meta.labels, `${path}.labels`));
  errs.push(...validateAnnotations(meta.annotations, `${path}.annotations`));
  (Array.isArray(meta.ownerReferences) ? meta.ownerReferences : []).forEach((ref, i) => {
    const p = `${path}.ownerReferences[${i}]`;
    for (const f of ["apiVersion", "kind", "name", "uid"] as const) if (!ref?.[f]) errs.push(fieldErrors.required(`${p}.${f}`, `${f} must not be empty`));
  });
  if ((meta.ownerReferences ?? []).filter((r) => r?.controller).length > 1) {
    errs.push(fieldErrors.invalid(`${path}.ownerReferences`, meta.ownerReferences, "Only one reference can have Controller set to true"));
  }
  (Array.isArray(meta.finalizers) ? meta.finalizers : []).forEach((f, i) => {
    for (const m of qualifiedNameErrors(String(f))) errs.push(fieldErrors.invalid(`${path}.finalizers[${i}]`, f, m));
  });
  return errs;
}

/** Validates a metav1.LabelSelector: operators, values, and the keys and values of matchLabels. */
export function validateLabelSelector(sel: LabelSelector | undefined | null, path: string): FieldError[] {
  if (!sel) return [];
  const errs = validateLabels(sel.matchLabels, `${path}.matchLabels`);
  (Array.isArray(sel.matchExpressions) ? sel.matchExpressions : []).forEach((req, i) => {
    const p = `${path}.matchExpressions[${i}]`;
    const values = Array.isArray(req?.values) ? req.values : [];
    switch (req?.operator) {
      case "In":
      case "NotIn":
        if (values.length === 0) errs.push(fieldErrors.required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case "Exists":
      case "DoesNotExist":
        if (values.length > 0) errs.push(fieldErrors.forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        errs.push(fieldErrors.invalid(`${p}.operator`, req?.operator, "not a valid selector operator"));
    }
    for (const m of qualifiedNameErrors(String(req?.key ?? ""))) errs.push(fieldErrors.invalid(`${p}.key`, req?.key, m));
    values.forEach((v, j) => {
      for (const m of labelValueErrors(String(v))) errs.push(fieldErrors.invalid(`${p}.values[${j}]`, v, m));
    });
  });
  return errs;
}

/** `path: Invalid value: ...: field is immutable` when the two values differ (deep). */
export function validateImmutable(newVal: unknown, oldVal: unknown, path: string): FieldError[] {
  return deepEqual(newVal, oldVal) ? [] : [fieldErrors.invalid(path, newVal, "field is immutable")];
}

/** Structural equality of JSON values; `undefined` members count as absent. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(ao), ...Object.keys(bo)]);
  for (const k of keys) if (!deepEqual(ao[k], bo[k])) return false;
  return true;
}
