import { describe, expect, it } from "vitest";
import { duplicateFields, mayHaveDuplicateFields } from "./duplicate-fields.js";

describe("duplicateFields", () => {
  it("finds duplicated keys with their paths, at any depth", () => {
    const text = '{"spec":{"replicas":1,"replicas":2,"template":{"spec":{"containers":[{"name":"a","name":"b"}]}}},"kind":"Deployment"}';
    expect(duplicateFields(text)).toEqual(["spec.replicas", "spec.template.spec.containers[0].name"]);
  });
  it("finds nothing in ordinary JSON, including escapes and empty containers", () => {
    expect(duplicateFields('{"a":"x\\"y","b":[],"c":{},"d":[1,{"a":1}],"e":null,"f":-1.5e3}')).toEqual([]);
  });
});

describe("mayHaveDuplicateFields", () => {
  const check = (text: string) => mayHaveDuplicateFields(text, JSON.parse(text));
  it("says no only when there is no duplicate", () => {
    expect(check('{"a":"x\\"y","b":[],"c":{},"d":[1,{"a":1}],"e":null,"f":-1.5e3}')).toBe(false);
    expect(check('{"a" : "k\\":1", "b": {"c": "\\\\", "d": ["e:", "f\\"" ]}}')).toBe(false);
    expect(check('{"spec":{"replicas":1,"replicas":2}}')).toBe(true);
    expect(check('{"a":[{"n":1,"n":1}]}')).toBe(true);
    expect(check('{"a":{"k":"\\":\\""},"a":{}}')).toBe(true);
  });
  it("agrees with duplicateFields on a realistic pod", () => {
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", labels: { "app.kubernetes.io/name": "x\"y:" } }, spec: { containers: [{ name: "c", image: "i", args: ["--a=\"b\":", "{\"k\":1}"] }] } };
    const text = JSON.stringify(pod, null, 2);
    expect(check(text)).toBe(false);
    expect(duplicateFields(text)).toEqual([]);
  });
});
