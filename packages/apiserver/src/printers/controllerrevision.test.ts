import { describe, it, expect } from "vitest";
import type { KObject } from "@kates/api";
import { printerFor } from "./table.js";

const now = new Date("2024-02-10T18:00:00Z");

describe("ControllerRevision printer", () => {
  const printer = printerFor({ group: "apps", kind: "ControllerRevision" });

  it("prints NAME, CONTROLLER, REVISION, AGE as kubectl does", () => {
    const cr: KObject = {
      metadata: {
        name: "web-5d8f9c", namespace: "default", creationTimestamp: "2024-02-10T17:55:27Z",
        ownerReferences: [{ apiVersion: "apps/v1", kind: "StatefulSet", name: "web", uid: "u1", controller: true }],
      },
      data: {},
      revision: 3,
    };
    expect(printer.columns.map((c) => c.name)).toEqual(["Name", "Controller", "Revision", "Age"]);
    expect(printer.cells(cr, now)).toEqual(["web-5d8f9c", "statefulset.apps/web", 3, "4m33s"]);
  });

  it("prints <none> without a controller and names core kinds without a group", () => {
    const orphan: KObject = { metadata: { name: "a", creationTimestamp: "2024-02-10T17:59:00Z" }, revision: 0 };
    expect(printer.cells(orphan, now).slice(1, 3)).toEqual(["<none>", 0]);
    const core: KObject = { metadata: { name: "b", ownerReferences: [{ apiVersion: "v1", kind: "ReplicationController", name: "rc", uid: "u", controller: true }] }, revision: 1 };
    expect(printer.cells(core, now)[1]).toBe("replicationcontroller/rc");
  });
});
