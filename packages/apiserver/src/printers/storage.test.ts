import { describe, it, expect } from "vitest";
import type { KObject } from "@kates/api";
import { configMapPrinter, persistentVolumeClaimPrinter, persistentVolumePrinter, secretPrinter, serviceAccountPrinter } from "./storage.js";

const now = new Date("2024-02-10T18:00:00Z");
const meta = (name: string, extra: Partial<KObject["metadata"]> = {}) => ({ name, namespace: "default", creationTimestamp: "2024-02-10T15:00:00Z", ...extra });

describe("config printers", () => {
  it("counts config map keys, binary ones included", () => {
    expect(configMapPrinter.cells({ metadata: meta("cfg"), data: { a: "1", b: "2" }, binaryData: { c: "AA==" } }, now)).toEqual(["cfg", 3, "3h"]);
    expect(configMapPrinter.cells({ metadata: meta("empty") }, now)[1]).toBe(0);
  });

  it("prints a secret's type and key count", () => {
    expect(secretPrinter.columns.map((c) => c.name)).toEqual(["Name", "Type", "Data", "Age"]);
    expect(secretPrinter.cells({ metadata: meta("s"), type: "kubernetes.io/tls", data: { "tls.crt": "x", "tls.key": "y" } }, now)).toEqual(["s", "kubernetes.io/tls", 2, "3h"]);
    expect(secretPrinter.cells({ metadata: meta("s"), data: { a: "x" }, stringData: { a: "y", b: "z" } }, now).slice(1, 3)).toEqual(["Opaque", 2]);
  });

  it("prints the number of a service account's secrets", () => {
    expect(serviceAccountPrinter.columns.map((c) => c.name)).toEqual(["Name", "Secrets", "Age"]);
    expect(serviceAccountPrinter.cells({ metadata: meta("default") }, now)).toEqual(["default", 0, "3h"]);
    expect(serviceAccountPrinter.cells({ metadata: meta("bot"), secrets: [{ name: "t" }] }, now)[1]).toBe(1);
  });
});

describe("volume printers", () => {
  it("prints a bound persistent volume", () => {
    const pv: KObject = {
      metadata: { name: "pv1", creationTimestamp: "2024-02-10T15:00:00Z" },
      spec: { capacity: { storage: "10Gi" }, accessModes: ["ReadWriteMany", "ReadWriteOnce"], persistentVolumeReclaimPolicy: "Retain", claimRef: { namespace: "default", name: "data" }, storageClassName: "standard" },
      status: { phase: "Bound" },
    };
    expect(persistentVolumePrinter.columns.map((c) => c.name)).toEqual(["Name", "Capacity", "Access Modes", "Reclaim Policy", "Status", "Claim", "StorageClass", "VolumeAttributesClass", "Reason", "Age", "VolumeMode"]);
    expect(persistentVolumePrinter.cells(pv, now)).toEqual(["pv1", "10Gi", "RWO,RWX", "Retain", "Bound", "default/data", "standard", "<unset>", "", "3h", "<unset>"]);
  });

  it("prints Terminating for a deleted volume and prefers the beta storage-class annotation", () => {
    const pv: KObject = {
      metadata: { name: "pv2", creationTimestamp: "2024-02-10T15:00:00Z", deletionTimestamp: "2024-02-10T17:00:00Z", annotations: { "volume.beta.kubernetes.io/storage-class": "old" } },
      spec: { storageClassName: "new", volumeMode: "Block" },
      status: { phase: "Released", reason: "x" },
    };
    const cells = persistentVolumePrinter.cells(pv, now);
    expect([cells[1], cells[4], cells[5], cells[6], cells[8], cells[10]]).toEqual(["0", "Terminating", "", "old", "x", "Block"]);
  });

  it("prints claims, showing capacity and modes only once bound", () => {
    expect(persistentVolumeClaimPrinter.columns.map((c) => c.name)).toEqual(["Name", "Status", "Volume", "Capacity", "Access Modes", "StorageClass", "VolumeAttributesClass", "Age", "VolumeMode"]);
    const pending: KObject = { metadata: meta("data"), spec: { storageClassName: "standard", volumeMode: "Filesystem" }, status: { phase: "Pending" } };
    expect(persistentVolumeClaimPrinter.cells(pending, now)).toEqual(["data", "Pending", "", "", "", "standard", "<unset>", "3h", "Filesystem"]);
    const bound: KObject = { metadata: meta("data"), spec: { volumeName: "pv1" }, status: { phase: "Bound", capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOncePod"] } };
    expect(persistentVolumeClaimPrinter.cells(bound, now).slice(1, 6)).toEqual(["Bound", "pv1", "1Gi", "RWOP", ""]);
  });
});
