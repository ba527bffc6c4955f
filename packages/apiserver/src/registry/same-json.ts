/**
 * Equality of objects as their JSON encodings would compare, without encoding them: members
 * whose value is undefined are absent, and key order does not matter (Kubernetes compares
 * decoded objects, not bytes). Stops at the first difference, where comparing two
 * JSON.stringify results always paid for both encodings in full.
 */

/** True when a and b encode to the same JSON up to key order; `skip` names top-level keys to ignore. */
export function sameJSON(a: unknown, b: unknown, skip?: ReadonlySet<string>): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) {
      // JSON encodes an undefined array item as null.
      if (!sameJSON(a[i] ?? null, b[i] ?? null)) return false;
    }
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let count = 0;
  for (const k in x) {
    if (!Object.hasOwn(x, k) || x[k] === undefined || skip?.has(k)) continue;
    count++;
    if (!Object.hasOwn(y, k) || !sameJSON(x[k], y[k])) return false;
  }
  for (const k in y) {
    if (Object.hasOwn(y, k) && y[k] !== undefined && !skip?.has(k)) count--;
  }
  return count === 0;
}
