/**
 * JSON merge patch (RFC 7386), used by `kubectl label`, `annotate` and `scale`.
 */
import { clone, isObject, type JsonObject } from "./json-utils.js";

/** Applies an RFC 7386 merge patch: objects merge key by key, null deletes, anything else replaces. The target is not modified. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  return merge(clone(target), patch);
}

function merge(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const result: JsonObject = isObject(target) ? target : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = merge(result[key], value);
  }
  return result;
}
