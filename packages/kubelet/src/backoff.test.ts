import { describe, expect, it } from "vitest";
import { Backoff } from "./backoff.js";

describe("Backoff", () => {
  it("doubles from base to the cap and reports the time left", () => {
    let now = 0;
    const b = new Backoff(10, 50, () => now);
    expect(b.remainingSince("k", 0)).toBe(0);
    expect([b.next("k"), b.next("k"), b.next("k"), b.next("k"), b.next("k")]).toEqual([10, 20, 40, 50, 50]);
    now = 30;
    expect(b.remainingSince("k", 0)).toBe(20);
    expect(b.remainingSince("k", -100)).toBe(0);
  });

  it("starts over after a quiet period of twice the cap", () => {
    let now = 0;
    const b = new Backoff(10, 50, () => now);
    b.next("k");
    b.next("k");
    now = 101;
    expect(b.next("k")).toBe(10);
    expect(b.get("other")).toBe(0);
  });
});
