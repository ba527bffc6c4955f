import { describe, expect, it } from "vitest";
import { ApiError, BadRequestError } from "@kates/api";
import { applyJsonPatch, parsePointer } from "./json-patch.js";

function failure(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error("expected an ApiError");
}

describe("applyJsonPatch", () => {
  it("applies kubectl rollout undo's body", () => {
    const dep = {
      metadata: { name: "web", annotations: { "deployment.kubernetes.io/revision": "4", "kubernetes.io/change-cause": "v4" } },
      spec: { replicas: 3, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "nginx", image: "nginx:1.17" }] } } },
    };
    const template = { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "nginx", image: "nginx:1.16" }] } };
    const out = applyJsonPatch(dep, [
      { op: "replace", path: "/spec/template", value: template },
      { op: "replace", path: "/metadata/annotations", value: { "deployment.kubernetes.io/revision": "5" } },
    ]);
    expect(out).toEqual({
      metadata: { name: "web", annotations: { "deployment.kubernetes.io/revision": "5" } },
      spec: { replicas: 3, template },
    });
    expect(dep.spec.template.spec.containers[0].image).toBe("nginx:1.17");
  });

  it("rejects replace of a missing path with 422 Invalid", () => {
    const err = failure(() => applyJsonPatch({ metadata: { name: "web" } }, [{ op: "replace", path: "/metadata/annotations", value: {} }]));
    expect(err.code).toBe(422);
    expect(err.reason).toBe("Invalid");
    expect(err.message).toBe("the server rejected our request due to an error in our request");
    expect(err.details?.causes?.[0]?.message).toContain("/metadata/annotations");
  });

  it("adds, appends with -, inserts by index, and removes", () => {
    const doc = { a: [1, 2], b: { c: 1 } };
    expect(applyJsonPatch(doc, [
      { op: "add", path: "/a/-", value: 3 },
      { op: "add", path: "/a/0", value: 0 },
      { op: "add", path: "/b/d", value: "x" },
      { op: "remove", path: "/b/c" },
      { op: "remove", path: "/a/1" },
    ])).toEqual({ a: [0, 2, 3], b: { d: "x" } });
  });

  it("unescapes ~0 and ~1 in pointers", () => {
    expect(parsePointer("/metadata/labels/app.kubernetes.io~1name/~0x")).toEqual(["metadata", "labels", "app.kubernetes.io/name", "~x"]);
    const out = applyJsonPatch({ metadata: { labels: {} } }, [{ op: "add", path: "/metadata/labels/app.kubernetes.io~1name", value: "web" }]);
    expect(out).toEqual({ metadata: { labels: { "app.kubernetes.io/name": "web" } } });
  });

  it("moves and copies values", () => {
    const out = applyJsonPatch({ a: { x: 1 }, b: [] }, [
      { op: "copy", from: "/a/x", path: "/b/-" },
      { op: "move", from: "/a", path: "/c" },
    ]);
    expect(out).toEqual({ b: [1], c: { x: 1 } });
  });

  it("refuses to move a value into its own child", () => {
    expect(failure(() => applyJsonPatch({ a: { b: {} } }, [{ op: "move", from: "/a", path: "/a/b/c" }])).code).toBe(422);
  });

  it("passes and fails test operations", () => {
    const doc = { metadata: { resourceVersion: "7" }, spec: { n: [1, { a: 2 }] } };
    expect(applyJsonPatch(doc, [{ op: "test", path: "/spec/n", value: [1, { a: 2 }] }])).toEqual(doc);
    const err = failure(() => applyJsonPatch(doc, [{ op: "test", path: "/metadata/resourceVersion", value: "6" }, { op: "remove", path: "/spec" }]));
    expect(err.code).toBe(422);
  });

  it("replaces the whole document with path \"\"", () => {
    expect(applyJsonPatch({ a: 1 }, [{ op: "replace", path: "", value: { b: 2 } }])).toEqual({ b: 2 });
  });

  it("rejects out-of-range and malformed indexes", () => {
    expect(failure(() => applyJsonPatch({ a: [1] }, [{ op: "add", path: "/a/3", value: 1 }])).code).toBe(422);
    expect(failure(() => applyJsonPatch({ a: [1] }, [{ op: "remove", path: "/a/01" }])).code).toBe(422);
    expect(failure(() => applyJsonPatch({ a: [1] }, [{ op: "remove", path: "/a/-" }])).code).toBe(422);
  });

  it("answers malformed patch documents with 400 BadRequest", () => {
    expect(failure(() => applyJsonPatch({}, { op: "add" }))).toBeInstanceOf(BadRequestError);
    expect(failure(() => applyJsonPatch({}, [{ op: "frobnicate", path: "/a" }]))).toBeInstanceOf(BadRequestError);
    expect(failure(() => applyJsonPatch({}, [{ op: "add", path: "/a" }]))).toBeInstanceOf(BadRequestError);
    expect(failure(() => applyJsonPatch({}, [{ op: "move", path: "/a" }]))).toBeInstanceOf(BadRequestError);
  });
});
