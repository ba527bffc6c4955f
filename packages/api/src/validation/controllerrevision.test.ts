import { describe, it, expect } from "vitest";
import { findKind } from "../resources.js";
import { validateObject, validateUpdate } from "./index.js";

const ri = findKind("apps/v1", "ControllerRevision")!;
const cr = (extra: Record<string, unknown> = {}) => ({
  apiVersion: "apps/v1", kind: "ControllerRevision", metadata: { name: "web-abc", namespace: "default" },
  data: { spec: { template: { $patch: "replace" } } }, revision: 1, ...extra,
});

describe("ControllerRevision validation", () => {
  it("is a namespaced apps/v1 resource without short names", () => {
    expect(ri).toMatchObject({ resource: "controllerrevisions", listKind: "ControllerRevisionList", namespaced: true, shortNames: [] });
  });

  it("accepts a revision with data", () => {
    expect(validateObject(cr(), ri)).toEqual([]);
  });

  it("requires data and a non-negative integer revision", () => {
    expect(validateObject(cr({ revision: -1 }), ri).map((e) => e.field)).toEqual(["revision"]);
    expect(validateObject(cr({ revision: 1.5 }), ri).map((e) => e.field)).toEqual(["revision"]);
    expect(validateObject(cr({ revision: undefined }), ri)).toMatchObject([{ type: "FieldValueRequired", field: "revision" }]);
    expect(validateObject(cr({ data: undefined }), ri)).toMatchObject([{ type: "FieldValueRequired", field: "data" }]);
  });

  it("freezes data on update but lets the revision be renumbered", () => {
    expect(validateUpdate(cr({ data: { other: 1 } }), cr(), ri)).toMatchObject([{ field: "data", detail: "field is immutable" }]);
    expect(validateUpdate(cr({ revision: 7 }), cr(), ri)).toEqual([]);
  });
});
