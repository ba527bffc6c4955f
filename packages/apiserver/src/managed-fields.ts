/**
 * metadata.managedFields bookkeeping for non-apply writes: whoever changes a field owns it
 * from then on, which is what lets `kubectl apply --server-side` report real conflicts with
 * `kubectl-client-side-apply`, `kubectl-edit` and controllers.
 */
import { apiVersionOf, type KObject, type ResourceInfo } from "@kates/api";
import { recordUpdate } from "./patch/index.js";
import { rfc3339 } from "./registry/object-meta.js";

export function trackManagedFields(ri: ResourceInfo) {
  const apiVersion = apiVersionOf(ri);
  return (old: KObject | undefined, obj: KObject, manager: string | undefined, subresource?: string): void => {
    if (!manager) return;
    const updated = recordUpdate(old, obj, manager, "Update", apiVersion, rfc3339(), subresource);
    if (updated && updated !== obj) obj.metadata.managedFields = updated.metadata.managedFields;
  };
}
