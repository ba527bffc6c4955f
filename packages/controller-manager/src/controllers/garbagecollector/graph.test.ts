import { describe, expect, it } from "vitest";
import type { KObject, OwnerReference } from "@kates/api";
import { decideDependent, decideOwner, DependencyGraph, type OwnerState } from "./graph.js";

const ref = (uid: string, extra: Partial<OwnerReference> = {}): OwnerReference => ({ apiVersion: "v1", kind: "ConfigMap", name: `owner-${uid}`, uid, ...extra });
const obj = (name: string, uid: string, owners: OwnerReference[] = [], meta: Partial<KObject["metadata"]> = {}): KObject => ({
  metadata: { name, namespace: "default", uid, ownerReferences: owners, ...meta },
});
const states = (m: Record<string, OwnerState>) => (r: OwnerReference) => m[r.uid]!;

describe("decideDependent", () => {
  it("deletes in the background when its only owner is gone", () => {
    expect(decideDependent(obj("d", "d1", [ref("a")]), states({ a: "dangling" }))).toEqual({ kind: "delete", propagationPolicy: "Background" });
  });

  it("keeps a dependent while one of several owners is solid, dropping the dangling reference", () => {
    expect(decideDependent(obj("d", "d1", [ref("a"), ref("b")]), states({ a: "dangling", b: "solid" }))).toEqual({ kind: "removeOwnerReferences", uids: ["a"] });
    expect(decideDependent(obj("d", "d1", [ref("a"), ref("b")]), states({ a: "solid", b: "solid" }))).toEqual({ kind: "none" });
  });

  it("deletes only when all owners are gone", () => {
    expect(decideDependent(obj("d", "d1", [ref("a"), ref("b")]), states({ a: "dangling", b: "dangling" }))).toEqual({ kind: "delete", propagationPolicy: "Background" });
  });

  it("deletes in the foreground when an owner waits for it and it has dependents itself", () => {
    const d = obj("d", "d1", [ref("a"), ref("b")]);
    expect(decideDependent(d, states({ a: "waiting", b: "dangling" }), true)).toEqual({ kind: "delete", propagationPolicy: "Foreground" });
    // A leaf (a pod) needs no foregroundDeletion finalizer of its own.
    expect(decideDependent(d, states({ a: "waiting", b: "dangling" }), false)).toEqual({ kind: "delete", propagationPolicy: "Background" });
  });

  it("drops the reference to a waiting owner when another owner is solid", () => {
    expect(decideDependent(obj("d", "d1", [ref("a"), ref("b")]), states({ a: "waiting", b: "solid" }))).toEqual({ kind: "removeOwnerReferences", uids: ["a"] });
  });

  it("leaves objects without owners or already being deleted alone", () => {
    expect(decideDependent(obj("d", "d1"), states({}))).toEqual({ kind: "none" });
    expect(decideDependent(obj("d", "d1", [ref("a")], { deletionTimestamp: "2024-01-01T00:00:00Z" }), states({ a: "dangling" }))).toEqual({ kind: "none" });
  });
});

describe("decideOwner", () => {
  const deleting = (finalizers: string[]) => obj("o", "o1", [], { deletionTimestamp: "2024-01-01T00:00:00Z", finalizers });

  it("orphans every dependent when the orphan finalizer is set", () => {
    const deps = [{ key: "k1", obj: obj("d", "d1", [ref("o1")]), ref: ref("o1") }];
    expect(decideOwner(deleting(["orphan"]), deps)).toEqual({ kind: "orphan", dependents: ["k1"] });
  });

  it("waits in the foreground while blocking dependents remain, blocking ones first", () => {
    const deps = [
      { key: "plain", obj: obj("p", "p1", [ref("o1")]), ref: ref("o1") },
      { key: "blocking", obj: obj("b", "b1", [ref("o1", { blockOwnerDeletion: true })]), ref: ref("o1", { blockOwnerDeletion: true }) },
    ];
    expect(decideOwner(deleting(["foregroundDeletion"]), deps)).toEqual({ kind: "foreground", dependents: ["blocking", "plain"], done: false });
    expect(decideOwner(deleting(["foregroundDeletion"]), deps.slice(0, 1))).toEqual({ kind: "foreground", dependents: ["plain"], done: true });
  });

  it("does nothing for live owners or deletions without a GC finalizer", () => {
    expect(decideOwner(obj("o", "o1"), [])).toEqual({ kind: "none" });
    expect(decideOwner(deleting(["example.com/other"]), [])).toEqual({ kind: "none" });
  });
});

describe("DependencyGraph", () => {
  it("indexes dependents by owner uid and follows reference changes", () => {
    const g = new DependencyGraph();
    g.upsert("cm|default/owner", obj("owner", "o1"));
    g.upsert("cm|default/a", obj("a", "a1", [ref("o1")]));
    g.upsert("cm|default/b", obj("b", "b1", [ref("o1"), ref("o2")]));
    expect(g.dependentsOf("o1").sort()).toEqual(["cm|default/a", "cm|default/b"]);
    expect(g.keyOf("o1")).toBe("cm|default/owner");
    g.upsert("cm|default/b", obj("b", "b1", [ref("o2")]));
    expect(g.dependentsOf("o1")).toEqual(["cm|default/a"]);
    expect(g.dependentsOf("o2")).toEqual(["cm|default/b"]);
    g.remove("cm|default/a", obj("a", "a1", [ref("o1")]));
    expect(g.dependentsOf("o1")).toEqual([]);
  });
});
