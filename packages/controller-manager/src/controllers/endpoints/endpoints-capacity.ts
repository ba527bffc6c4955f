/**
 * Kubernetes caps a legacy Endpoints object at 1000 addresses (large Services are meant to be
 * read from EndpointSlices) and marks a capped one with an annotation. Ready addresses are
 * kept first: not-ready ones are dropped before any ready one is. What is dropped is spread
 * over the subsets in proportion to their size, so no port set disappears while others stay
 * whole.
 */
import type { EndpointAddress, EndpointSubset } from "@kates/api";

/** Kubernetes' fixed cap on the addresses of one Endpoints object. */
export const MAX_ENDPOINTS_CAPACITY = 1000;
export const OVER_CAPACITY_ANNOTATION = "endpoints.kubernetes.io/over-capacity";
export const OVER_CAPACITY_TRUNCATED = "truncated";

const count = (subsets: EndpointSubset[], field: "addresses" | "notReadyAddresses") => subsets.reduce((n, s) => n + (s[field]?.length ?? 0), 0);

/**
 * How many of `sizes` to keep so that the kept total is `budget`: proportional shares rounded
 * down, the remainder handed out one by one in order to those with some left.
 */
export function proportionalShares(sizes: number[], budget: number): number[] {
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total <= budget) return [...sizes];
  const shares = sizes.map((n) => Math.floor((n * budget) / total));
  let left = budget - shares.reduce((a, b) => a + b, 0);
  for (let i = 0; left > 0; i = (i + 1) % sizes.length) {
    if (shares[i]! < sizes[i]!) {
      shares[i]!++;
      left--;
    }
  }
  return shares;
}

/** `subsets` cut to at most `max` addresses in all, and whether anything was cut. */
export function truncateSubsets(subsets: EndpointSubset[], max = MAX_ENDPOINTS_CAPACITY): { subsets: EndpointSubset[]; truncated: boolean } {
  const ready = count(subsets, "addresses");
  const notReady = count(subsets, "notReadyAddresses");
  if (ready + notReady <= max) return { subsets, truncated: false };
  // Only one list is cut: not-ready ones while the ready ones fit, else the ready ones (and every not-ready one dropped).
  const cutReady = ready > max;
  const field = cutReady ? "addresses" : "notReadyAddresses";
  const shares = proportionalShares(subsets.map((s) => s[field]?.length ?? 0), cutReady ? max : max - ready);
  const out = subsets.map((s, i): EndpointSubset => {
    const kept: EndpointAddress[] = (s[field] ?? []).slice(0, shares[i]);
    const readyKept = cutReady ? kept : s.addresses ?? [];
    const notReadyKept = cutReady ? [] : kept;
    return { ...(readyKept.length ? { addresses: readyKept } : {}), ...(notReadyKept.length ? { notReadyAddresses: notReadyKept } : {}), ...(s.ports ? { ports: s.ports } : {}) };
  });
  // A subset needs at least one address to be valid; a fully cut one is dropped.
  return { subsets: out.filter((s) => s.addresses?.length || s.notReadyAddresses?.length), truncated: true };
}
