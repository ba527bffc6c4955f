import { describe, it, expect } from "vitest";
import { BadRequestError } from "./errors.js";
import type { KObject } from "./meta.js";
import {
  fieldMatcher, fieldSelectorToString, fieldValue, formatLabelSelector, labelSelectorFromMap, labelSelectorFromObject,
  labelSelectorToString, matchesFieldSelector, parseFieldSelector, parseLabelSelector,
} from "./selectors.js";

describe("parseLabelSelector", () => {
  it("parses every operator", () => {
    const m = parseLabelSelector("a=b,c!=d,e in (x,y),f notin (z),g,!h,i==j");
    expect(m.requirements.map((r) => [r.key, r.operator, r.values])).toEqual([
      ["a", "Equals", ["b"]],
      ["c", "NotEquals", ["d"]],
      ["e", "In", ["x", "y"]],
      ["f", "NotIn", ["z"]],
      ["g", "Exists", []],
      ["h", "DoesNotExist", []],
      ["i", "DoubleEquals", ["j"]],
    ]);
    const ok = { a: "b", c: "x", e: "y", f: "q", g: "", i: "j" };
    expect(m.matches(ok)).toBe(true);
    expect(m.matches({ ...ok, h: "1" })).toBe(false);
    expect(m.matches({ ...ok, c: "d" })).toBe(false);
    expect(m.matches({ ...ok, e: "w" })).toBe(false);
    expect(m.matches({ ...ok, f: "z" })).toBe(false);
    const { g: _g, ...noG } = ok;
    expect(m.matches(noG)).toBe(false);
  });

  it("treats != and notin as matching a missing key", () => {
    expect(parseLabelSelector("env!=prod").matches({})).toBe(true);
    expect(parseLabelSelector("env notin (prod)").matches(undefined)).toBe(true);
    expect(parseLabelSelector("env in (prod)").matches({})).toBe(false);
  });

  it("accepts empty values and whitespace", () => {
    expect(parseLabelSelector("a=").matches({ a: "" })).toBe(true);
    expect(parseLabelSelector("a=").matches({})).toBe(false);
    expect(parseLabelSelector("  a = b ,  c  in  ( x , y ) ").matches({ a: "b", c: "y" })).toBe(true);
    expect(parseLabelSelector("a in (x,)").requirements[0].values).toEqual(["", "x"]);
  });

  it("supports prefixed keys and numeric comparisons", () => {
    expect(parseLabelSelector("app.kubernetes.io/name=web").matches({ "app.kubernetes.io/name": "web" })).toBe(true);
    const gt = parseLabelSelector("n>5");
    expect(gt.matches({ n: "6" })).toBe(true);
    expect(gt.matches({ n: "5" })).toBe(false);
    expect(parseLabelSelector("n<5").matches({ n: "4" })).toBe(true);
  });

  it("treats the empty string as everything", () => {
    const m = parseLabelSelector("");
    expect(m.empty).toBe(true);
    expect(m.matches({ x: "y" })).toBe(true);
    expect(m.matches(undefined)).toBe(true);
  });

  it.each([
    ["a=b,", "expected: identifier after ','"],
    ["a in x", "expected: '('"],
    ["a in (x", "expected: ',' or ')'"],
    ["a in ()", "values set can't be empty"],
    ["a b", "expected: '=', '!=', '==', 'in', notin'"],
    ["a=b c", "expected: ',' or 'end of string'"],
    ["a=>b", "found '=>'"],
    ["-bad=x", "key: Invalid value"],
    ["a=-x-", "Invalid value: \"-x-\""],
    ["n>x", "must be an integer"],
    ["!", "identifier after '!'"],
  ])("rejects %j", (s, msg) => {
    expect(() => parseLabelSelector(s)).toThrow(BadRequestError);
    expect(() => parseLabelSelector(s)).toThrow(msg);
  });

  it("prints a canonical, key-sorted string", () => {
    expect(parseLabelSelector("z=1,a in (y,x),!b").toString()).toBe("a in (x,y),!b,z=1");
  });
});

describe("labelSelectorFromObject", () => {
  it("combines matchLabels and matchExpressions", () => {
    const m = labelSelectorFromObject({ matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "In", values: ["a", "b"] }, { key: "canary", operator: "DoesNotExist" }] });
    expect(m.matches({ app: "web", tier: "b" })).toBe(true);
    expect(m.matches({ app: "web", tier: "c" })).toBe(false);
    expect(m.matches({ app: "web", tier: "a", canary: "1" })).toBe(false);
  });

  it("matches everything for {} and nothing for null", () => {
    expect(labelSelectorFromObject({}).matches({ a: "b" })).toBe(true);
    expect(labelSelectorFromObject({}).empty).toBe(true);
    expect(labelSelectorFromObject(null).matches({ a: "b" })).toBe(false);
    expect(labelSelectorFromObject(undefined).nothing).toBe(true);
  });

  it("rejects bad operators and empty In values", () => {
    expect(() => labelSelectorFromObject({ matchExpressions: [{ key: "a", operator: "Foo" as "In" }] })).toThrow(BadRequestError);
    expect(() => labelSelectorFromObject({ matchExpressions: [{ key: "a", operator: "In", values: [] }] })).toThrow("can't be empty");
  });

  it("formats like metav1.FormatLabelSelector", () => {
    expect(labelSelectorToString({ matchLabels: { app: "web" }, matchExpressions: [{ key: "tier", operator: "In", values: ["b", "a"] }] })).toBe("app=web,tier in (a,b)");
    expect(labelSelectorToString({ matchLabels: { b: "2", a: "1" } })).toBe("a=1,b=2");
    expect(labelSelectorToString({ matchExpressions: [{ key: "x", operator: "Exists" }, { key: "y", operator: "NotIn", values: ["q"] }] })).toBe("x,y notin (q)");
    expect(formatLabelSelector({})).toBe("<none>");
    expect(formatLabelSelector(null)).toBe("<none>");
    expect(formatLabelSelector({ matchLabels: { app: "web" } })).toBe("app=web");
  });

  it("round-trips through the string form", () => {
    const sel = { matchLabels: { app: "web" }, matchExpressions: [{ key: "env", operator: "NotIn" as const, values: ["dev", "qa"] }] };
    const again = parseLabelSelector(labelSelectorToString(sel));
    expect(again.matches({ app: "web", env: "prod" })).toBe(true);
    expect(again.matches({ app: "web", env: "qa" })).toBe(false);
  });
});

describe("labelSelectorFromMap", () => {
  it("requires every pair", () => {
    const m = labelSelectorFromMap({ app: "web", tier: "fe" });
    expect(m.matches({ app: "web", tier: "fe", x: "y" })).toBe(true);
    expect(m.matches({ app: "web" })).toBe(false);
    expect(labelSelectorFromMap(undefined).matches({})).toBe(true);
  });
});

describe("field selectors", () => {
  const pod: KObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "web-1", namespace: "default" }, spec: { nodeName: "n1", priority: 0, hostNetwork: false }, status: { phase: "Running" } };

  it("parses =, == and !=", () => {
    expect(parseFieldSelector("metadata.name=web-1,spec.nodeName==n1,status.phase!=Failed")).toEqual([
      { field: "metadata.name", operator: "=", value: "web-1" },
      { field: "spec.nodeName", operator: "=", value: "n1" },
      { field: "status.phase", operator: "!=", value: "Failed" },
    ]);
    expect(parseFieldSelector("")).toEqual([]);
    expect(parseFieldSelector("spec.nodeName=")).toEqual([{ field: "spec.nodeName", operator: "=", value: "" }]);
  });

  it("handles escapes", () => {
    const reqs = parseFieldSelector("metadata.name=a\\,b\\=c");
    expect(reqs).toEqual([{ field: "metadata.name", operator: "=", value: "a,b=c" }]);
    expect(fieldSelectorToString(reqs)).toBe("metadata.name=a\\,b\\=c");
  });

  it("rejects terms without an operator", () => {
    expect(() => parseFieldSelector("metadata.name")).toThrow("invalid selector: 'metadata.name'; can't understand 'metadata.name'");
    expect(() => parseFieldSelector("=x")).toThrow(BadRequestError);
    expect(() => parseFieldSelector("a=\\q")).toThrow("invalid escape");
  });

  it("reads values as strings", () => {
    expect(fieldValue(pod, "metadata.name")).toBe("web-1");
    expect(fieldValue(pod, "spec.priority")).toBe("0");
    expect(fieldValue(pod, "spec.hostNetwork")).toBe("false");
    expect(fieldValue(pod, "status.podIP")).toBe("");
    expect(fieldValue(pod, "spec")).toBe("");
    expect(fieldValue(pod, "missing.deep.path")).toBe("");
  });

  it("knows the fields whose names or zero values differ", () => {
    expect(fieldValue({ kind: "Job", metadata: {}, status: { succeeded: 2 } }, "status.successful")).toBe("2");
    expect(fieldValue({ kind: "Job", metadata: {} }, "status.successful")).toBe("0");
    expect(fieldValue({ kind: "Node", metadata: {} }, "spec.unschedulable")).toBe("false");
    expect(fieldValue({ kind: "ReplicaSet", metadata: {}, status: {} }, "status.replicas")).toBe("0");
    expect(fieldValue({ kind: "Event", metadata: {}, source: { component: "kubelet" } }, "source")).toBe("kubelet");
    expect(fieldValue({ kind: "Event", metadata: {}, reportingController: "x" }, "reportingComponent")).toBe("x");
  });

  it("matches objects", () => {
    expect(matchesFieldSelector(pod, parseFieldSelector("spec.nodeName=n1,status.phase!=Pending"))).toBe(true);
    expect(matchesFieldSelector(pod, parseFieldSelector("spec.nodeName=n2"))).toBe(false);
    expect(matchesFieldSelector(pod, parseFieldSelector("status.podIP="))).toBe(true);
    expect(fieldMatcher(parseFieldSelector("a!=x"), () => undefined)).toBe(true);
    expect(fieldMatcher([], () => "anything")).toBe(true);
  });
});
