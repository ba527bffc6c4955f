import { describe, expect, it } from "vitest";
import { PodIPAllocator, hollowNodeIP } from "./pod-ip.js";

describe("PodIPAllocator", () => {
  it("allocates from the podCIDR, skipping network and gateway, stable per uid", () => {
    const a = new PodIPAllocator(3);
    a.setPodCIDR("10.244.3.0/24");
    expect(a.allocate("u1")).toBe("10.244.3.2");
    expect(a.allocate("u2")).toBe("10.244.3.3");
    expect(a.allocate("u1")).toBe("10.244.3.2");
    a.release("u1");
    expect(a.allocate("u1", "10.244.3.9")).toBe("10.244.3.9");
  });

  it("uses distinct fake 10.2xx ranges per node without a podCIDR", () => {
    const a = new PodIPAllocator(0).allocate("x");
    const b = new PodIPAllocator(300).allocate("x");
    expect(a).toMatch(/^10\.2\d\d\./);
    expect(a).not.toBe(b);
  });

  it("gives hollow nodes distinct addresses", () => {
    const ips = new Set(Array.from({ length: 1000 }, (_, i) => hollowNodeIP(i)));
    expect(ips.size).toBe(1000);
  });
});
