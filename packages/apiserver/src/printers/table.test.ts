import { describe, it, expect } from "vitest";
import { findResource, RESOURCES, type KObject, type ResourceInfo } from "@kates/api";
import { toTable, printerFor, defaultPrinter } from "./index.js";

const now = new Date("2024-02-10T18:00:00Z");
const pods = findResource("", "v1", "pods")!;
const pod = (name: string): KObject => ({
  metadata: {
    name,
    namespace: "default",
    uid: `uid-${name}`,
    resourceVersion: "1012",
    labels: { app: "web" },
    creationTimestamp: "2024-02-10T17:59:58Z",
    managedFields: [{ manager: "kubectl-run", operation: "Update" }],
  },
  spec: { containers: [{ name: "c", image: "nginx" }] },
  status: { phase: "Pending" },
});

describe("toTable", () => {
  it("builds a Table with PartialObjectMetadata rows by default", () => {
    const t = toTable(pods, [pod("a"), pod("b")], { resourceVersion: "1014", now });
    expect(t).toMatchObject({ kind: "Table", apiVersion: "meta.k8s.io/v1", metadata: { resourceVersion: "1014" } });
    expect(t.columnDefinitions?.map((c) => c.name)).toEqual(["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"]);
    expect(t.rows).toHaveLength(2);
    expect(t.rows[0].cells).toEqual(["a", "0/1", "Pending", "0", "2s", "<none>", "<none>", "<none>", "<none>"]);
    const obj = t.rows[1].object as { kind: string; apiVersion: string; metadata: Record<string, unknown> };
    expect(obj.kind).toBe("PartialObjectMetadata");
    expect(obj.apiVersion).toBe("meta.k8s.io/v1");
    expect(obj.metadata).toMatchObject({ name: "b", namespace: "default", labels: { app: "web" }, uid: "uid-b" });
    expect(obj.metadata).not.toHaveProperty("managedFields");
  });

  it("includes the whole object with its kind, or nothing, on request", () => {
    const full = toTable(pods, [pod("a")], { includeObject: "Object", now }).rows[0].object as KObject;
    expect(full.kind).toBe("Pod");
    expect(full.apiVersion).toBe("v1");
    expect(full.spec).toEqual({ containers: [{ name: "c", image: "nginx" }] });
    const deploy = findResource("apps", "v1", "deployments")!;
    expect((toTable(deploy, [{ metadata: { name: "d" } }], { includeObject: "Object", now }).rows[0].object as KObject).apiVersion).toBe("apps/v1");
    expect(toTable(pods, [pod("a")], { includeObject: "None", now }).rows[0]).not.toHaveProperty("object");
  });

  it("takes a single object's resourceVersion and carries paging fields", () => {
    expect(toTable(pods, [pod("a")], { now }).metadata).toEqual({ resourceVersion: "1012" });
    expect(toTable(pods, [], { now }).metadata).toEqual({});
    expect(toTable(pods, [], { resourceVersion: "9", continue: "tok", remainingItemCount: 3, now }).metadata).toEqual({ resourceVersion: "9", continue: "tok", remainingItemCount: 3 });
  });

  it("omits column definitions for later watch events", () => {
    const t = toTable(pods, [pod("a")], { withColumns: false, now });
    expect(t.columnDefinitions).toBeNull();
    expect(t.rows[0].cells[0]).toBe("a");
  });

  it("has a printer for every served resource but falls back to Name and Created At", () => {
    for (const ri of RESOURCES) expect(printerFor(ri), ri.kind).not.toBe(defaultPrinter);
    const other: ResourceInfo = { ...pods, group: "example.com", kind: "Widget", resource: "widgets" };
    const t = toTable(other, [{ metadata: { name: "w", creationTimestamp: "2024-02-10T17:00:00.123Z" } }, { metadata: { name: "x" } }], { now });
    expect(t.columnDefinitions).toEqual([
      expect.objectContaining({ name: "Name", type: "string", format: "name", priority: 0 }),
      expect.objectContaining({ name: "Created At", type: "date", format: "", priority: 0 }),
    ]);
    expect(t.rows.map((r) => r.cells)).toEqual([["w", "2024-02-10T17:00:00Z"], ["x", "0001-01-01T00:00:00Z"]]);
  });

  it("gives every column a name, type, format, description and priority", () => {
    for (const ri of RESOURCES) {
      for (const c of toTable(ri, [], { now }).columnDefinitions ?? []) {
        expect(Object.keys(c).sort()).toEqual(["description", "format", "name", "priority", "type"]);
        expect(c.description.length, `${ri.kind} ${c.name}`).toBeGreaterThan(0);
        expect([0, 1]).toContain(c.priority);
      }
    }
  });

  it("prints one cell per column for every printer, even for bare objects", () => {
    for (const ri of RESOURCES) {
      const t = toTable(ri, [{ metadata: { name: "bare", creationTimestamp: "2024-02-10T17:00:00Z" } }], { now });
      expect(t.rows[0].cells, ri.kind).toHaveLength(t.columnDefinitions!.length);
    }
  });
});
