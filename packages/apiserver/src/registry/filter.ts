/**
 * Turns `labelSelector` and `fieldSelector` query parameters into one predicate over
 * objects. Field selectors are limited to the fields Kubernetes supports for each resource
 * (metadata.name and metadata.namespace everywhere, plus ResourceInfo.fieldSelectors).
 */
import { BadRequestError, fieldValue, parseFieldSelector, parseLabelSelector, type KObject, type ResourceInfo } from "@kates/api";

export type ObjectFilter = ((obj: KObject) => boolean) & { matchesAll: boolean };

export function makeFilter(ri: ResourceInfo, labelSelector?: string, fieldSelector?: string): ObjectFilter {
  const labels = labelSelector ? parseLabelSelector(labelSelector) : undefined;
  const fields = fieldSelector ? parseFieldSelector(fieldSelector) : [];
  const allowed = new Set(["metadata.name", "metadata.namespace", ...ri.fieldSelectors]);
  for (const f of fields) {
    if (!allowed.has(f.field)) throw new BadRequestError(`field label not supported: ${f.field}`);
  }
  const fn = ((obj: KObject) => {
    if (labels && !labels.matches(obj.metadata?.labels ?? {})) return false;
    for (const f of fields) {
      const v = fieldValue(obj, f.field) ?? "";
      if (f.operator === "!=" ? v === f.value : v !== f.value) return false;
    }
    return true;
  }) as ObjectFilter;
  fn.matchesAll = (!labels || labels.empty) && fields.length === 0;
  return fn;
}
