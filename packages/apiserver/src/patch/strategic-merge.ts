/**
 * Strategic merge patch as kubectl sends it (client-side apply, edit, set image, rollout).
 *
 * Like a JSON merge patch, except that lists listed in merge-keys.ts merge item by item and a
 * handful of `$` directives steer the merge:
 * - `$patch: replace` on a map (or as a list item) replaces the map (or list) instead of merging;
 * - `$patch: delete` on a map deletes it, and on a keyed list item removes that item;
 * - `$retainKeys: [...]` drops every key of the original map that is not listed;
 * - `$setElementOrder/<list>` gives the order of the merged list;
 * - `$deleteFromPrimitiveList/<list>` removes values from a list of scalars.
 * No directive survives into the result.
 */
import { ApiError, BadRequestError } from "@kates/api";
import { clone, deepEqual, isObject, type JsonObject } from "./json-utils.js";
import { fieldStrategy } from "./merge-keys.js";

const PATCH = "$patch";
const RETAIN_KEYS = "$retainKeys";
const SET_ORDER = "$setElementOrder/";
const DELETE_FROM = "$deleteFromPrimitiveList/";

/** Applies a strategic merge patch to a copy of target; merge keys come from the kind's table. */
export function applyStrategicMergePatch(target: unknown, patch: unknown, kind: { apiVersion: string; kind: string }): unknown {
  if (!isObject(patch)) throw new BadRequestError("strategic merge patch must be a JSON object");
  const original = isObject(target) ? clone(target) : undefined;
  return mergeMap(original, patch, [], kind.kind) ?? {};
}

/** Merges patch into original (which it may modify); undefined means "delete this map". */
function mergeMap(original: JsonObject | undefined, patch: JsonObject, path: string[], kind: string): JsonObject | undefined {
  const directive = patch[PATCH];
  if (directive === "delete") return undefined;
  if (directive === "replace") {
    const { [PATCH]: _, ...rest } = patch;
    return mergeMap(undefined, rest, path, kind);
  }
  if (directive !== undefined && directive !== "merge") throw new BadRequestError(`Unknown patch type: ${String(directive)}`);

  const result: JsonObject = original ?? {};
  // Server-side positions, taken before merging (result is original, modified in place).
  const before = new Map<string, unknown[]>();
  for (const key of Object.keys(patch)) {
    const field = key.startsWith(SET_ORDER) ? key.slice(SET_ORDER.length) : undefined;
    if (field !== undefined && Array.isArray(result[field])) before.set(field, [...(result[field] as unknown[])]);
  }
  const retain = patch[RETAIN_KEYS];
  if (retain !== undefined) {
    if (!Array.isArray(retain) || !retain.every((k) => typeof k === "string")) {
      throw new BadRequestError("invalid patch: $retainKeys must be a list of strings");
    }
    for (const key of Object.keys(patch)) {
      if (!key.startsWith("$") && !retain.includes(key)) {
        throw new ApiError(422, "Invalid", "the server rejected our request due to an error in our request", {
          causes: [{ reason: "UnexpectedServerResponse", message: `field ${key} is in the patch but not in $retainKeys` }],
        });
      }
    }
    for (const key of Object.keys(result)) if (!retain.includes(key)) delete result[key];
  }

  for (const [key, value] of Object.entries(patch)) {
    if (key === PATCH || key === RETAIN_KEYS || key.startsWith(SET_ORDER)) continue;
    if (key.startsWith(DELETE_FROM)) {
      const field = key.slice(DELETE_FROM.length);
      if (!Array.isArray(value)) throw new BadRequestError(`invalid patch: ${key} must be a list`);
      const list = result[field];
      if (Array.isArray(list)) result[field] = list.filter((x) => !value.some((v) => deepEqual(v, x)));
      continue;
    }
    if (value === null) {
      delete result[key];
      continue;
    }
    const merged = mergeValue(result[key], value, [...path, key], kind);
    if (merged === undefined) delete result[key];
    else result[key] = merged;
  }

  // Orders are applied last so they also cover lists the patch reordered without changing them.
  for (const [key, order] of Object.entries(patch)) {
    if (!key.startsWith(SET_ORDER)) continue;
    const field = key.slice(SET_ORDER.length);
    if (!Array.isArray(order)) throw new BadRequestError(`invalid patch: ${key} must be a list`);
    const list = result[field];
    if (!Array.isArray(list)) continue;
    const strategy = fieldStrategy([...path, field], kind);
    const mergeKey = strategy?.type === "map" ? strategy.key : undefined;
    result[field] = applyElementOrder(list, order, mergeKey, before.get(field) ?? []);
  }
  return result;
}

/** Merges one patch value into the original value of a field at path. */
function mergeValue(original: unknown, patch: unknown, path: string[], kind: string): unknown {
  if (isObject(patch)) return mergeMap(isObject(original) ? original : undefined, patch, path, kind);
  if (!Array.isArray(patch)) return patch;
  const strategy = fieldStrategy(path, kind);
  const base = Array.isArray(original) ? original : [];
  // Without $setElementOrder, Kubernetes' mergeSlice still normalises the order: patch items
  // in patch order, server-only items slotted in by their original positions; so a new item
  // lands in front (kubectl patch adding a container puts it first).
  if (strategy?.type === "map") return applyElementOrder(mergeKeyedList(base, patch, strategy.key, path, kind), patch, strategy.key, base);
  if (strategy?.type === "set") return applyElementOrder(mergeSet(base, patch), patch, undefined, base);
  // Atomic list: replaced whole; merging its items into nothing strips any directives.
  return mergeKeyedListItemsIntoNothing(patch, path, kind);
}

function mergeKeyedListItemsIntoNothing(patch: unknown[], path: string[], kind: string): unknown[] {
  const out: unknown[] = [];
  for (const item of patch) {
    const v = isObject(item) ? mergeMap(undefined, item, path, kind) : item;
    if (v !== undefined) out.push(v);
  }
  return out;
}

function mergeKeyedList(original: unknown[], patch: unknown[], mergeKey: string, path: string[], kind: string): unknown[] {
  if (patch.some((item) => isObject(item) && item[PATCH] === "replace")) {
    const rest = patch.filter((item) => !(isObject(item) && item[PATCH] === "replace"));
    return mergeKeyedListItemsIntoNothing(rest, path, kind);
  }
  const result = [...original];
  for (const item of patch) {
    if (!isObject(item)) throw new BadRequestError(`invalid patch: ${path.join(".")} items must be objects`);
    const keyValue = item[mergeKey];
    if (keyValue === undefined) {
      throw new BadRequestError(`map: ${JSON.stringify(item)} does not contain declared merge key: ${mergeKey}`);
    }
    const matches = (x: unknown) => isObject(x) && deepEqual(x[mergeKey], keyValue);
    if (item[PATCH] === "delete") {
      for (let i = result.length - 1; i >= 0; i--) if (matches(result[i])) result.splice(i, 1);
      continue;
    }
    const at = result.findIndex(matches);
    const merged = mergeMap(at >= 0 ? (result[at] as JsonObject) : undefined, item, path, kind);
    if (merged === undefined) continue;
    if (at >= 0) result[at] = merged;
    else result.push(merged);
  }
  return result;
}

function mergeSet(original: unknown[], patch: unknown[]): unknown[] {
  const result = [...original];
  for (const v of patch) if (!result.some((x) => deepEqual(x, v))) result.push(v);
  return result;
}

/**
 * Reorders a merged list by a `$setElementOrder` list. Items named in the order come in that
 * order; the others (present only on the server) keep their relative order and are slotted in
 * front of a named item whenever the original list had them in front of it. A named item the
 * server did not have goes first, as in Kubernetes' normalizeElementOrder.
 */
export function applyElementOrder(list: unknown[], order: unknown[], mergeKey: string | undefined, original: unknown[]): unknown[] {
  const keyOf = (x: unknown): unknown => (mergeKey !== undefined && isObject(x) ? x[mergeKey] : x);
  const orderKeys = order.map(keyOf);
  const rank = (x: unknown) => orderKeys.findIndex((k) => deepEqual(k, keyOf(x)));
  const originalIndex = (x: unknown) => original.findIndex((o) => deepEqual(keyOf(o), keyOf(x)));

  const named = list.filter((x) => rank(x) >= 0).sort((a, b) => rank(a) - rank(b));
  const serverOnly = list.filter((x) => rank(x) < 0);
  const out: unknown[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < named.length) {
    if (j >= named.length) out.push(serverOnly[i++]);
    else if (i >= serverOnly.length) out.push(named[j++]);
    else {
      const si = originalIndex(serverOnly[i]);
      const ni = originalIndex(named[j]);
      if (si >= 0 && ni >= 0 && si < ni) out.push(serverOnly[i++]);
      else out.push(named[j++]);
    }
  }
  return out;
}
