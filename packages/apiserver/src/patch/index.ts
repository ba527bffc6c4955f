/**
 * Patch logic of the apiserver: the four patch types kubectl sends and managedFields bookkeeping.
 * Pure functions over JSON values; the HTTP handlers decode bodies and map content types to them.
 */
export { applyMergePatch } from "./merge-patch.js";
export { applyJsonPatch, JsonPatchFailedError } from "./json-patch.js";
export { applyStrategicMergePatch } from "./strategic-merge.js";
export { fieldStrategy, MERGE_RULES, type FieldStrategy } from "./merge-keys.js";
export { FieldSet, fieldsOf, pathString, type FieldPath, type FieldScope } from "./fieldsets.js";
export { serverSideApply, type ApplyOptions } from "./server-side-apply.js";
export { recordUpdate } from "./record-update.js";
export { ApplyConflictError } from "./managed-fields.js";
