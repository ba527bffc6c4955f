import { describe, expect, it } from "vitest";
import { CidrAllocator, parseCIDR } from "./cidr-allocator.js";

describe("CidrAllocator", () => {
  it("hands out consecutive blocks, first free first", () => {
    const a = new CidrAllocator("10.244.0.0/16", 24);
    expect(a.allocate("n1")).toBe("10.244.0.0/24");
    expect(a.allocate("n2")).toBe("10.244.1.0/24");
    a.release("10.244.0.0/24", "n1");
    expect(a.allocate("n3")).toBe("10.244.0.0/24");
    expect(a.allocate("n4")).toBe("10.244.2.0/24");
  });

  it("never hands out a block recorded from an existing node", () => {
    const a = new CidrAllocator("10.244.0.0/16", 24);
    expect(a.occupy("10.244.0.0/24", "old")).toBe(true);
    expect(a.occupy("10.244.1.0/24", "old2")).toBe(true);
    expect(a.allocate("new")).toBe("10.244.2.0/24");
    expect(a.occupy("10.244.1.0/24", "someone-else")).toBe(false);
    expect(a.occupy("10.245.0.0/24", "outside")).toBe(false);
    expect(a.occupy("10.244.3.0/25", "wrong-size")).toBe(false);
  });

  it("only the holder releases a block", () => {
    const a = new CidrAllocator("10.0.0.0/30", 31);
    expect(a.allocate("n1")).toBe("10.0.0.0/31");
    a.release("10.0.0.0/31", "n2");
    expect(a.allocate("n2")).toBe("10.0.0.2/31");
    expect(() => a.allocate("n3")).toThrow(/no free/);
  });

  it("rejects masks that don't fit and normalises the base", () => {
    expect(() => new CidrAllocator("10.244.0.0/16", 8)).toThrow();
    expect(parseCIDR("10.244.7.9/16")).toEqual({ base: 10 * 2 ** 24 + 244 * 2 ** 16, prefix: 16 });
    expect(() => parseCIDR("10.300.0.0/16")).toThrow();
  });
});
