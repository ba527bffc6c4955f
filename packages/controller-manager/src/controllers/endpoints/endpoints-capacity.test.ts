import { describe, expect, it } from "vitest";
import type { EndpointAddress, EndpointSubset } from "@kates/api";
import { proportionalShares, truncateSubsets } from "./endpoints-capacity.js";

const addrs = (prefix: string, n: number): EndpointAddress[] => Array.from({ length: n }, (_, i) => ({ ip: `${prefix}.${i}` }));
const subset = (port: number, ready: number, notReady: number): EndpointSubset => ({
  ...(ready ? { addresses: addrs(`10.${port % 250}.1`, ready) } : {}),
  ...(notReady ? { notReadyAddresses: addrs(`10.${port % 250}.2`, notReady) } : {}),
  ports: [{ port, protocol: "TCP" }],
});
const total = (subsets: EndpointSubset[]) => subsets.reduce((n, s) => n + (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0), 0);

describe("proportionalShares", () => {
  it("hands out exactly the budget, in proportion, never more than a size", () => {
    expect(proportionalShares([3, 3, 3], 10)).toEqual([3, 3, 3]);
    expect(proportionalShares([10, 10, 10], 10)).toEqual([4, 3, 3]);
    expect(proportionalShares([900, 100], 500)).toEqual([450, 50]);
    expect(proportionalShares([1, 99], 10)).toEqual([1, 9]);
    expect(proportionalShares([5, 0, 5], 3)).toEqual([2, 0, 1]);
  });
});

describe("truncateSubsets", () => {
  it("leaves objects at or under the cap alone", () => {
    const s = [subset(80, 600, 400)];
    expect(truncateSubsets(s, 1000)).toEqual({ subsets: s, truncated: false });
  });

  it("drops not-ready addresses first, keeping every ready one", () => {
    const { subsets, truncated } = truncateSubsets([subset(80, 900, 200)], 1000);
    expect(truncated).toBe(true);
    expect(subsets[0]!.addresses).toHaveLength(900);
    expect(subsets[0]!.notReadyAddresses).toHaveLength(100);
    expect(subsets[0]!.ports).toEqual([{ port: 80, protocol: "TCP" }]);
  });

  it("cuts ready addresses across subsets in proportion and drops every not-ready one when the ready ones alone overflow", () => {
    const { subsets, truncated } = truncateSubsets([subset(80, 1200, 5), subset(90, 300, 0)], 1000);
    expect(truncated).toBe(true);
    expect(total(subsets)).toBe(1000);
    expect(subsets.map((s) => [s.addresses?.length, s.notReadyAddresses])).toEqual([[800, undefined], [200, undefined]]);
    expect(subsets[0]!.addresses![0]!.ip).toBe("10.80.1.0");
  });

  it("drops a subset left with no address at all", () => {
    const { subsets } = truncateSubsets([subset(80, 10, 0), subset(90, 0, 1)], 10);
    expect(subsets.map((s) => s.ports![0]!.port)).toEqual([80]);
    expect(total(subsets)).toBe(10);
  });
});
