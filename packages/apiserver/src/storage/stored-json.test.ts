import { describe, it, expect } from "vitest";
import type { KObject } from "@kates/api";
import { decode, encode, withResourceVersion } from "./etcd-store.js";

const kv = (value: Buffer, rev: number) => ({ key: Buffer.from("/registry/pods/ns/a"), value, mod_revision: String(rev), create_revision: "1", version: "1", lease: "0" });

describe("withResourceVersion", () => {
  it("gives the same object as decode for what encode stores", () => {
    const pod: KObject = { kind: "Pod", apiVersion: "v1", metadata: { name: "a", namespace: "ns", resourceVersion: "3", labels: { x: "é\"}" } }, spec: { containers: [{ name: "c", image: "i" }] } };
    const stored = encode(pod);
    const spliced = withResourceVersion(stored, "42");
    expect(spliced).toBeDefined();
    expect(JSON.parse(spliced!.toString())).toEqual(decode(kv(stored, 42) as never));
    expect(JSON.parse(spliced!.toString()).metadata.resourceVersion).toBe("42");
  });

  it("handles empty metadata", () => {
    const stored = encode({ apiVersion: "v1", kind: "Namespace", metadata: {} });
    expect(JSON.parse(withResourceVersion(stored, "7")!.toString())).toEqual({ apiVersion: "v1", kind: "Namespace", metadata: { resourceVersion: "7" } });
  });

  it("declines values laid out differently, so callers decode them", () => {
    expect(withResourceVersion(Buffer.from('{"metadata":{"name":"a"},"apiVersion":"v1","kind":"Pod"}'), "1")).toBeUndefined();
    expect(withResourceVersion(Buffer.from('{"apiVersion":"v1","metadata":{}}'), "1")).toBeUndefined();
  });

  it("stores apiVersion, kind and metadata first whatever the input order", () => {
    const stored = encode({ spec: {}, metadata: { name: "a" }, kind: "Pod", apiVersion: "v1" } as KObject).toString();
    expect(stored.startsWith('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"}')).toBe(true);
  });
});
