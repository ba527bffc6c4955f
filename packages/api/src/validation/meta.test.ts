import { describe, it, expect } from "vitest";
import { formatFieldError } from "../errors.js";
import {
  isDNS1123Label, isDNS1123Subdomain, isDNS1035Label, isIP, isQualifiedName, isValidLabelValue, isValidPortName,
  configMapKeyErrors, dns1123SubdomainErrors, qualifiedNameErrors,
} from "./names.js";
import { nameIsDNSSubdomain, validateAnnotations, validateLabels, validateLabelSelector, validateObjectMeta, deepEqual } from "./meta.js";

describe("name checks", () => {
  it.each([
    ["my-name", true], ["123-abc", true], ["a", true], ["My-name", false], ["-a", false], ["a-", false], ["a.b", false], ["a".repeat(63), true], ["a".repeat(64), false],
  ])("isDNS1123Label(%j) = %s", (v, ok) => expect(isDNS1123Label(v)).toBe(ok));

  it.each([
    ["example.com", true], ["a.b-c.d", true], ["a..b", false], [".a", false], ["A.com", false], ["a_b", false], ["a".repeat(253), true], ["a".repeat(254), false],
  ])("isDNS1123Subdomain(%j) = %s", (v, ok) => expect(isDNS1123Subdomain(v)).toBe(ok));

  it("distinguishes DNS-1035 (must start with a letter)", () => {
    expect(isDNS1035Label("web")).toBe(true);
    expect(isDNS1035Label("1web")).toBe(false);
  });

  it.each([
    ["app", true], ["app.kubernetes.io/name", true], ["MyName", true], ["a_b.c-d", true], ["/name", false], ["a/b/c", false], ["example.com/", false], ["Bad_Prefix/x", false], ["-x", false], ["x".repeat(64), false],
  ])("isQualifiedName(%j) = %s", (v, ok) => expect(isQualifiedName(v)).toBe(ok));

  it.each([["", true], ["web", true], ["my_value.1", true], ["-x", false], ["a b", false], ["v".repeat(64), false]])("isValidLabelValue(%j) = %s", (v, ok) => expect(isValidLabelValue(v)).toBe(ok));

  it.each([["http", true], ["web-80", true], ["80", false], ["HTTP", false], ["a--b", false], ["-ab", false], ["abcdefghijklmnop", false]])("isValidPortName(%j) = %s", (v, ok) => expect(isValidPortName(v)).toBe(ok));

  it.each([["10.0.0.1", true], ["256.0.0.1", false], ["::1", true], ["2001:db8::ffff", true], ["1:2:3:4:5:6:7:8", true], ["1::2::3", false], ["x", false], ["", false]])("isIP(%j) = %s", (v, ok) => expect(isIP(v)).toBe(ok));

  it("words messages as Kubernetes does", () => {
    expect(dns1123SubdomainErrors("Bad_Name")).toEqual([
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]);
    expect(qualifiedNameErrors("a/-b")[0]).toBe(
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    );
    expect(configMapKeyErrors("..a")).toEqual(["must not start with '..'"]);
    expect(configMapKeyErrors("a b")).toHaveLength(1);
  });
});

describe("validateObjectMeta", () => {
  it("requires a name or generateName", () => {
    expect(validateObjectMeta({}, nameIsDNSSubdomain).map(formatFieldError)).toEqual(["metadata.name: Required value: name or generateName is required"]);
    expect(validateObjectMeta({ generateName: "web-" }, nameIsDNSSubdomain)).toEqual([]);
  });

  it("rejects bad names, generateNames and namespaces", () => {
    const errs = validateObjectMeta({ name: "Bad_Name", generateName: "Bad-", namespace: "a.b" }, nameIsDNSSubdomain);
    expect(errs.map((e) => e.field)).toEqual(["metadata.generateName", "metadata.name", "metadata.namespace"]);
    expect(formatFieldError(errs[1])).toMatch(/^metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
  });

  it("checks labels, annotations, owner references and finalizers", () => {
    const errs = validateObjectMeta({
      name: "ok",
      labels: { "bad key!": "x", good: "-bad-" },
      annotations: { "a/b/c": "x" },
      ownerReferences: [{ apiVersion: "v1", kind: "Pod", name: "", uid: "u" }],
      finalizers: ["bad finalizer"],
    }, nameIsDNSSubdomain);
    expect(errs.map((e) => e.field)).toEqual(["metadata.labels", "metadata.labels", "metadata.annotations", "metadata.ownerReferences[0].name", "metadata.finalizers[0]"]);
  });
});

describe("labels and annotations", () => {
  it("reports the map path and the offending key or value", () => {
    const [e] = validateLabels({ app: "a b" }, "spec.template.metadata.labels");
    expect(e.field).toBe("spec.template.metadata.labels");
    expect(e.value).toBe("a b");
    expect(validateLabels({ x: 1 as unknown as string }, "metadata.labels")[0].type).toBe("FieldValueTypeInvalid");
  });

  it("limits total annotation size to 256 KiB", () => {
    expect(validateAnnotations({ a: "x".repeat(256 * 1024 - 1) }, "metadata.annotations")).toEqual([]);
    const errs = validateAnnotations({ a: "x".repeat(256 * 1024) }, "metadata.annotations");
    expect(errs.map(formatFieldError)).toEqual(["metadata.annotations: Too long: must have at most 262144 bytes"]);
  });
});

describe("validateLabelSelector", () => {
  it("checks operators and values", () => {
    const errs = validateLabelSelector({
      matchExpressions: [
        { key: "a", operator: "In", values: [] },
        { key: "b", operator: "Exists", values: ["x"] },
        { key: "c", operator: "Bogus" as "In" },
      ],
    }, "spec.selector");
    expect(errs.map(formatFieldError)).toEqual([
      "spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      "spec.selector.matchExpressions[1].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
      "spec.selector.matchExpressions[2].operator: Invalid value: \"Bogus\": not a valid selector operator",
    ]);
  });
});

describe("deepEqual", () => {
  it("ignores undefined members and compares deeply", () => {
    expect(deepEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(deepEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBe(true);
    expect(deepEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(deepEqual({ a: {} }, { a: [] })).toBe(false);
  });
});
