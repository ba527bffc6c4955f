/**
 * resource.Quantity parsing ("100m", "128Mi", "1e3", 2): enough to validate quantities,
 * compare requests with limits and compute a pod's QoS class. Values are returned as
 * floating-point base units, which is exact enough for comparisons at these scales.
 */

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** The regex Kubernetes quotes when a quantity does not parse. */
export const QUANTITY_REGEX = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";

/** Parses a quantity into base units (cores, bytes); undefined when it is malformed. */
export function parseQuantity(q: unknown): number | undefined {
  if (typeof q === "number") return Number.isFinite(q) ? q : undefined;
  if (typeof q !== "string") return undefined;
  const m = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(.*)$/.exec(q.trim());
  if (!m || q.trim() !== q) return undefined;
  const num = Number(m[1]);
  const suffix = m[2];
  if (suffix in BINARY) return num * BINARY[suffix];
  if (suffix in DECIMAL) return num * DECIMAL[suffix];
  const exp = /^[eE]([-+]?[0-9]+)$/.exec(suffix);
  return exp ? num * 10 ** Number(exp[1]) : undefined;
}

/** Detail message for a malformed quantity. */
export const quantityError = `quantities must match the regular expression '${QUANTITY_REGEX}'`;
