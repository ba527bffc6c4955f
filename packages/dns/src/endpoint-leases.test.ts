import { describe, expect, it } from "vitest";
import type { Lease } from "@kates/api";
import { formatMicroTime } from "@kates/client";
import { aliveAddresses, leaseName, leaseTimes } from "./endpoint-leases.js";
import { mergeSubsets } from "./register.js";

const NOW = Date.parse("2026-11-22T12:00:00Z");
const lease = (holder: string, renewedAgoMs: number, durationSeconds = 30): Lease => ({
  apiVersion: "coordination.k8s.io/v1",
  kind: "Lease",
  metadata: { name: leaseName(holder), namespace: "kube-system" },
  spec: { holderIdentity: holder, leaseDurationSeconds: durationSeconds, renewTime: formatMicroTime(NOW - renewedAgoMs) },
});

describe("aliveAddresses", () => {
  it("keeps fresh leases and drops expired ones (renewTime + duration must be after now)", () => {
    const leases = [lease("10.0.0.2", 5_000), lease("10.0.0.3", 31_000), lease("10.0.0.4", 29_999), lease("10.0.0.5", 3_000, 3)];
    expect([...aliveAddresses(leases, "10.0.0.1", NOW)].sort()).toEqual(["10.0.0.1", "10.0.0.2", "10.0.0.4"]);
  });

  it("always keeps its own address, even with its own lease expired or absent", () => {
    expect([...aliveAddresses([lease("10.0.0.1", 60_000)], "10.0.0.1", NOW)]).toEqual(["10.0.0.1"]);
    expect([...aliveAddresses([], "fd00::1", NOW)]).toEqual(["fd00::1"]);
  });

  it("ignores leases without a holder or a parseable renew time", () => {
    const broken: Lease[] = [
      { ...lease("10.0.0.2", 0), spec: { leaseDurationSeconds: 30, renewTime: formatMicroTime(NOW) } },
      { ...lease("10.0.0.3", 0), spec: { holderIdentity: "10.0.0.3", leaseDurationSeconds: 30, renewTime: "yesterday" } },
    ];
    expect([...aliveAddresses(broken, "10.0.0.1", NOW)]).toEqual(["10.0.0.1"]);
  });
});

describe("lease names, flags and the Endpoints merge", () => {
  it("names a lease after the address", () => {
    expect(leaseName("127.0.0.2")).toBe("kates-dns-127-0-0-2");
    expect(leaseName("FD00::1")).toBe("kates-dns-fd00--1");
  });

  it("validates the lease flags", () => {
    expect(leaseTimes("10s", "30s")).toEqual({ leaseRenewIntervalMs: 10_000, leaseDurationSeconds: 30 });
    expect(() => leaseTimes("0s", "30s")).toThrow(/renew-interval/);
    expect(() => leaseTimes("10s", "10s")).toThrow(/longer/);
    expect(() => leaseTimes("1s", "1500ms")).toThrow(/whole/);
  });

  it("drops addresses not alive and adds its own", () => {
    const ports = [{ name: "dns", protocol: "UDP" as const, port: 53 }, { name: "dns-tcp", protocol: "TCP" as const, port: 53 }];
    const subsets = [{ addresses: [{ ip: "10.0.0.2" }, { ip: "10.0.0.3" }], ports }];
    const out = mergeSubsets(subsets, "10.0.0.1", 53, true, new Set(["10.0.0.1", "10.0.0.2"]));
    expect(out.flatMap((s) => s.addresses ?? []).map((a) => a.ip)).toEqual(["10.0.0.1", "10.0.0.2"]);
    // Without a live set the merge leaves other replicas alone (the withdraw path).
    expect(mergeSubsets(subsets, "10.0.0.2", 53, false).flatMap((s) => s.addresses ?? []).map((a) => a.ip)).toEqual(["10.0.0.3"]);
  });
});
