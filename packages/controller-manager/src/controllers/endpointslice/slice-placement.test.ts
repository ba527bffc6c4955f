import { describe, expect, it } from "vitest";
import type { Endpoint, EndpointSlice, EndpointSlicePort, Service } from "@kates/api";
import type { SliceGroup } from "./endpointslice-utils.js";
import { endpointKey, parseMaxEndpointsPerSlice, planSlices, type SlicePlan } from "./slice-placement.js";

const svc: Service = { metadata: { name: "web", namespace: "default", uid: "svc-uid" }, spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80 }] } };
const HTTP: EndpointSlicePort[] = [{ name: "http", port: 8080, protocol: "TCP" }];

/** Endpoint i: pod p<i>, address 10.1.<i/250>.<i%250>. */
const ep = (i: number, ready = true): Endpoint => ({
  addresses: [`10.1.${Math.floor(i / 250)}.${i % 250}`],
  conditions: { ready, serving: ready, terminating: false },
  targetRef: { kind: "Pod", namespace: "default", name: `p${i}`, uid: `u${i}` },
});
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);
const group = (ids: number[], ports = HTTP): SliceGroup => ({ ports, endpoints: ids.map((i) => ep(i)) });

/** Applies a plan the way the apiserver would (names for generateName, bumped resourceVersions). */
let serial = 0;
function apply(existing: EndpointSlice[], plan: SlicePlan): EndpointSlice[] {
  const deleted = new Set(plan.delete.map((s) => s.metadata.name));
  const updated = new Map(plan.update.map((s) => [s.metadata.name, s]));
  const kept = existing.filter((s) => !deleted.has(s.metadata.name)).map((s) => updated.get(s.metadata.name) ?? s);
  const created = plan.create.map((s) => ({ ...s, metadata: { ...s.metadata, name: `${s.metadata.generateName}${String(++serial).padStart(5, "0")}` } }));
  return [...kept, ...created];
}
const names = (slices: EndpointSlice[]) => slices.map((s) => s.metadata.name);
const keysIn = (s: EndpointSlice) => (s.endpoints ?? []).map(endpointKey);
const sizes = (slices: EndpointSlice[]) => slices.map((s) => s.endpoints?.length ?? 0).sort((a, b) => b - a);
/** Every endpoint key over all slices, failing on duplicates. */
function allKeys(slices: EndpointSlice[]): string[] {
  const keys = slices.flatMap(keysIn);
  expect(new Set(keys).size).toBe(keys.length);
  return keys.sort();
}

/** Slices of 100+100+50 for p0..p249, as a first reconcile makes them. */
const initial = () => apply([], planSlices(svc, [group(range(0, 250))], []));

describe("planSlices", () => {
  it("splits 250 endpoints into 100+100+50 labelled, owned slices", () => {
    const plan = planSlices(svc, [group(range(0, 250))], []);
    expect(plan.update).toEqual([]);
    expect(plan.delete).toEqual([]);
    expect(sizes(plan.create)).toEqual([100, 100, 50]);
    for (const s of plan.create) {
      expect(s.metadata.generateName).toBe("web-");
      expect(s.metadata.labels).toMatchObject({ "kubernetes.io/service-name": "web", "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io" });
      expect(s.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: "Service", name: "web", uid: "svc-uid", controller: true })]);
      expect(s.ports).toEqual(HTTP);
    }
    expect(allKeys(plan.create)).toEqual(range(0, 250).map((i) => `default/p${i}`).sort());
  });

  it("is idempotent: a second reconcile of the same state writes nothing", () => {
    expect(planSlices(svc, [group(range(0, 250))], initial())).toEqual({ create: [], update: [], delete: [] });
  });

  it("puts one new endpoint into the slice with room and touches nothing else", () => {
    const before = initial();
    const plan = planSlices(svc, [group(range(0, 251))], before);
    expect(plan.create).toEqual([]);
    expect(plan.delete).toEqual([]);
    expect(plan.update).toHaveLength(1);
    const half = before.find((s) => s.endpoints.length === 50)!;
    expect(plan.update[0]!.metadata.name).toBe(half.metadata.name);
    expect(keysIn(plan.update[0]!)).toEqual(expect.arrayContaining([...keysIn(half), "default/p250"]));
    expect(plan.update[0]!.endpoints).toHaveLength(51);
  });

  it("removing or changing endpoints of one slice rewrites only that slice", () => {
    const before = initial();
    const target = before.find((s) => s.endpoints.length === 100)!;
    const gone = new Set(keysIn(target).slice(0, 30));
    const flipped = keysIn(target)[40]!;
    const eps = range(0, 250).map((i) => ep(i, `default/p${i}` !== flipped)).filter((e) => !gone.has(endpointKey(e)));
    const plan = planSlices(svc, [{ ports: HTTP, endpoints: eps }], before);
    expect(plan.create).toEqual([]);
    expect(plan.delete).toEqual([]);
    expect(names(plan.update)).toEqual([target.metadata.name]);
    expect(plan.update[0]!.endpoints).toHaveLength(70);
    expect(plan.update[0]!.endpoints.find((e) => endpointKey(e) === flipped)!.conditions!.ready).toBe(false);
    expect(plan.update[0]!.metadata.resourceVersion).toBe(target.metadata.resourceVersion);
  });

  it("deletes slices left empty and keeps the others as they are", () => {
    const before = initial();
    const emptied = before.find((s) => s.endpoints.length === 50)!;
    const left = new Set(before.filter((s) => s !== emptied).flatMap(keysIn));
    const plan = planSlices(svc, [group(range(0, 250).filter((i) => left.has(`default/p${i}`)))], before);
    expect(plan).toEqual({ create: [], update: [], delete: [emptied] });
  });

  it("keeps exactly one empty slice when every endpoint is gone", () => {
    const before = initial();
    const after = apply(before, planSlices(svc, [{ ports: [], endpoints: [] }], before));
    expect(after).toHaveLength(1);
    expect(after[0]!.endpoints).toEqual([]);
    expect(after[0]!.ports).toEqual([]);
    expect(before.map((s) => s.metadata.name)).toContain(after[0]!.metadata.name);
    expect(planSlices(svc, [{ ports: [], endpoints: [] }], after)).toEqual({ create: [], update: [], delete: [] });
    const fresh = planSlices(svc, [{ ports: [], endpoints: [] }], []);
    expect(fresh.create.map((s) => [s.endpoints, s.ports])).toEqual([[[], []]]);
  });

  it("respects maxPerSlice and re-homes the overflow when the limit is lowered", () => {
    const plan = planSlices(svc, [group(range(0, 25))], [], 10);
    expect(sizes(plan.create)).toEqual([10, 10, 5]);
    const before = initial();
    const lowered = apply(before, planSlices(svc, [group(range(0, 250))], before, 60));
    expect(Math.max(...sizes(lowered))).toBeLessThanOrEqual(60);
    expect(allKeys(lowered)).toHaveLength(250);
    expect(() => planSlices(svc, [group([1])], [], 0)).toThrow(/between 1 and 1000/);
  });

  it("fills slices that are being rewritten before creating new ones", () => {
    const before = initial();
    const target = before.find((s) => s.endpoints.length === 100)!;
    const gone = new Set(keysIn(target).slice(0, 20));
    const ids = [...range(0, 250).filter((i) => !gone.has(`default/p${i}`)), ...range(250, 270)];
    const plan = planSlices(svc, [group(ids)], before);
    expect(plan.create).toEqual([]);
    expect(names(plan.update)).toEqual([target.metadata.name]);
    expect(plan.update[0]!.endpoints).toHaveLength(100);
    expect(allKeys(apply(before, plan))).toEqual(ids.map((i) => `default/p${i}`).sort());
  });

  it("keeps port sets apart and reuses a doomed slice instead of delete + create", () => {
    const other: EndpointSlicePort[] = [{ name: "http", port: 9090, protocol: "TCP" }];
    const two = apply([], planSlices(svc, [group(range(0, 5)), group(range(5, 8), other)], []));
    expect(two.map((s) => s.ports![0]!.port).sort()).toEqual([8080, 9090]);
    const moved = planSlices(svc, [group(range(0, 8), other)], two);
    expect(moved.create).toEqual([]);
    expect(moved.delete).toHaveLength(1);
    const after = apply(two, moved);
    expect(after).toHaveLength(1);
    expect(after[0]!.endpoints).toHaveLength(8);
  });
});

describe("parseMaxEndpointsPerSlice", () => {
  it("accepts 1..1000 only", () => {
    expect(parseMaxEndpointsPerSlice("100")).toBe(100);
    expect(parseMaxEndpointsPerSlice("1")).toBe(1);
    expect(parseMaxEndpointsPerSlice("1000")).toBe(1000);
    for (const bad of ["0", "1001", "-5", "abc", "2.5", ""]) expect(() => parseMaxEndpointsPerSlice(bad)).toThrow(/--max-endpoints-per-slice/);
  });
});
