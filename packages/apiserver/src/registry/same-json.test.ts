import { describe, expect, it } from "vitest";
import { sameJSON } from "./same-json.js";

describe("sameJSON", () => {
  it("agrees with comparing JSON encodings, up to key order", () => {
    const cases: [unknown, unknown][] = [
      [{ a: 1, b: [1, { c: "x" }] }, { b: [1, { c: "x" }], a: 1 }],
      [{ a: 1 }, { a: 2 }],
      [{ a: 1 }, { a: 1, b: 2 }],
      [{ a: undefined, b: null }, { b: null }],
      [{ b: null }, {}],
      [[1, 2], [2, 1]],
      [[undefined], [null]],
      [{ a: [] }, { a: {} }],
      ["1", 1],
      [{ a: { b: { c: [true] } } }, { a: { b: { c: [false] } } }],
    ];
    for (const [a, b] of cases) {
      const byText = JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
      expect(sameJSON(a, b), JSON.stringify([a, b])).toBe(byText);
      expect(sameJSON(b, a), JSON.stringify([b, a])).toBe(byText);
    }
  });

  it("ignores the skipped top-level keys only", () => {
    const skip = new Set(["status"]);
    expect(sameJSON({ spec: 1, status: 1 }, { spec: 1, status: 2 }, skip)).toBe(true);
    expect(sameJSON({ spec: 1 }, { spec: 1, status: 2 }, skip)).toBe(true);
    expect(sameJSON({ spec: { status: 1 } }, { spec: { status: 2 } }, skip)).toBe(false);
  });
});

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map((x) => (x === undefined ? null : sortKeys(x)));
  if (typeof v !== "object" || v === null) return v;
  return Object.fromEntries(Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined).map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
}
