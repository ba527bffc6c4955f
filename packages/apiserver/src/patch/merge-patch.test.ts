import { describe, expect, it } from "vitest";
import { applyMergePatch } from "./merge-patch.js";

describe("applyMergePatch", () => {
  it("applies kubectl scale's body", () => {
    const dep = { spec: { replicas: 3, paused: false }, status: { replicas: 3 } };
    expect(applyMergePatch(dep, { spec: { replicas: 6 } })).toEqual({ spec: { replicas: 6, paused: false }, status: { replicas: 3 } });
  });

  it("sets and removes labels as kubectl label does", () => {
    const pod = { metadata: { name: "p", labels: { app: "web", tier: "backend" } } };
    expect(applyMergePatch(pod, { metadata: { labels: { tier: "frontend" } } })).toEqual({ metadata: { name: "p", labels: { app: "web", tier: "frontend" } } });
    expect(applyMergePatch(pod, { metadata: { labels: { tier: null } } })).toEqual({ metadata: { name: "p", labels: { app: "web" } } });
  });

  it("creates missing parents and replaces arrays and scalars whole", () => {
    expect(applyMergePatch({ a: [1, 2] }, { a: [3], b: { c: 1 } })).toEqual({ a: [3], b: { c: 1 } });
    expect(applyMergePatch({ a: "x" }, { a: { b: null, c: 2 } })).toEqual({ a: { c: 2 } });
  });

  it("replaces the whole document with a non-object patch", () => {
    expect(applyMergePatch({ a: 1 }, ["x"])).toEqual(["x"]);
    expect(applyMergePatch({ a: 1 }, "s")).toBe("s");
  });

  it("does not modify its arguments", () => {
    const target = { metadata: { labels: { a: "1" } } };
    const patch = { metadata: { labels: { b: "2" } } };
    const out = applyMergePatch(target, patch) as { metadata: { labels: Record<string, string> } };
    out.metadata.labels.c = "3";
    expect(target).toEqual({ metadata: { labels: { a: "1" } } });
    expect(patch).toEqual({ metadata: { labels: { b: "2" } } });
  });
});
