import { describe, expect, it } from "vitest";
import { IpPool } from "./ip-pool.js";

describe("IpPool", () => {
  it("hands out a CIDR's host addresses lowest first, never one twice, and frees by owner", () => {
    const pool = new IpPool("172.31.255.0/29");
    expect(pool.size).toBe(6);
    const got = ["a", "b", "c", "d", "e", "f"].map((o) => pool.allocate(o));
    expect(got).toEqual(["172.31.255.1", "172.31.255.2", "172.31.255.3", "172.31.255.4", "172.31.255.5", "172.31.255.6"]);
    expect(pool.allocate("g")).toBeUndefined();
    expect(pool.releaseOwner("c")).toBe(1);
    expect(pool.allocate("g")).toBe("172.31.255.3");
    expect(pool.heldBy("g")).toBe("172.31.255.3");
    expect(pool.holder("172.31.255.1")).toBe("a");
  });

  it("occupies known addresses, refusing other owners' and foreign ones", () => {
    const pool = new IpPool("10.0.0.10-10.0.0.12");
    expect(pool.size).toBe(3);
    expect(pool.occupy("10.0.0.11", "x")).toBe(true);
    expect(pool.occupy("10.0.0.11", "x")).toBe(true);
    expect(pool.occupy("10.0.0.11", "y")).toBe(false);
    expect(pool.occupy("10.0.0.13", "y")).toBe(false);
    expect(pool.contains("10.0.0.9")).toBe(false);
    expect(pool.allocate("y")).toBe("10.0.0.10");
    expect(pool.allocate("z")).toBe("10.0.0.12");
    pool.clear();
    expect(pool.inUse).toBe(0);
  });

  it("keeps every address of a /31 and /32, and rejects malformed pools", () => {
    expect(new IpPool("192.0.2.8/31").size).toBe(2);
    expect(new IpPool("192.0.2.8/32").allocate("a")).toBe("192.0.2.8");
    for (const bad of ["", "10.0.0.0", "10.0.0.0/33", "10.0.0.5-10.0.0.1", "10.0.0.256/24", "10.0.0.0/8", "a-b"]) expect(() => new IpPool(bad), bad).toThrow();
  });
});
