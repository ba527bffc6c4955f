import { describe, expect, it } from "vitest";
import { ControllerExpectations, CountingExpectations } from "./expectations.js";
import { canonicalJson, computeHash, fnv32a, safeEncode } from "./hash.js";
import { slowStartBatch } from "./controller-utils.js";

describe("hash", () => {
  it("is FNV-32a", () => {
    expect(fnv32a("")).toBe(0x811c9dc5);
    expect(fnv32a("a")).toBe(0xe40c292c);
    expect(fnv32a("foobar")).toBe(0xbf9cf968);
  });

  it("encodes with the safe alphabet and ignores key order", () => {
    expect(safeEncode("0123")).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{4}$/);
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
    expect(computeHash({ spec: { a: 1, b: 2 } })).toBe(computeHash({ spec: { b: 2, a: 1 } }));
    expect(computeHash({ spec: { a: 1 } }, 1)).not.toBe(computeHash({ spec: { a: 1 } }));
  });
});

describe("ControllerExpectations", () => {
  it("is unsatisfied until every creation and deletion is observed, or the record expires", () => {
    let now = 0;
    const e = new ControllerExpectations(() => now);
    expect(e.satisfied("k")).toBe(true);
    e.expectCreations("k", 2);
    e.creationObserved("k");
    expect(e.satisfied("k")).toBe(false);
    e.creationObserved("k");
    expect(e.satisfied("k")).toBe(true);
    e.expectDeletions("k", ["ns/a", "ns/b"]);
    e.deletionObserved("k", "ns/a");
    e.deletionObserved("k", "ns/a");
    expect(e.satisfied("k")).toBe(false);
    now += 6 * 60 * 1000;
    expect(e.satisfied("k")).toBe(true);
  });
});

describe("CountingExpectations", () => {
  it("counts creations and deletions down together, and trusts the cache once the record expires", () => {
    let now = 0;
    const e = new CountingExpectations(() => now);
    expect(e.satisfied("k")).toBe(true);
    e.expect("k", 1, 2);
    e.creationObserved("k");
    e.deletionObserved("k");
    expect(e.satisfied("k")).toBe(false);
    e.deletionObserved("k");
    expect(e.satisfied("k")).toBe(true);
    e.expect("k", 0, 1);
    expect(e.satisfied("k")).toBe(false);
    e.forget("k");
    expect(e.satisfied("k")).toBe(true);
    e.expect("k", 3, 0);
    now += 6 * 60 * 1000;
    expect(e.satisfied("k")).toBe(true);
  });
});

describe("slowStartBatch", () => {
  it("runs batches of 1, 2, 4 and stops after a failing batch", async () => {
    let calls = 0;
    const ok = await slowStartBatch(7, 1, async () => void calls++);
    expect(ok).toEqual({ successes: 7 });
    calls = 0;
    const failing = await slowStartBatch(10, 1, async () => {
      if (++calls === 2) throw new Error("boom");
    });
    // Batch 1 (1 call) succeeds, batch 2 (2 calls) has the failure; nothing after it.
    expect(calls).toBe(3);
    expect(failing.successes).toBe(2);
    expect(String(failing.error)).toContain("boom");
  });
});
