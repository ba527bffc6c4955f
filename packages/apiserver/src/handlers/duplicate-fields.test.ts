import { describe, expect, it } from "vitest";
import { duplicateFields } from "./duplicate-fields.js";

describe("duplicateFields", () => {
  it("finds duplicated keys with their paths, at any depth", () => {
    const text = '{"spec":{"replicas":1,"replicas":2,"template":{"spec":{"containers":[{"name":"a","name":"b"}]}}},"kind":"Deployment"}';
    expect(duplicateFields(text)).toEqual(["spec.replicas", "spec.template.spec.containers[0].name"]);
  });
  it("finds nothing in ordinary JSON, including escapes and empty containers", () => {
    expect(duplicateFields('{"a":"x\\"y","b":[],"c":{},"d":[1,{"a":1}],"e":null,"f":-1.5e3}')).toEqual([]);
  });
});
