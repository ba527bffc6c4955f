import { describe, it, expect } from "vitest";
import type { KObject } from "@kates/api";
import { recordUpdate } from "./record-update.js";

const pod = (): KObject => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "a", namespace: "ns", labels: { app: "web" }, annotations: { note: "x" } },
  spec: { containers: [{ name: "c", image: "nginx", ports: [{ containerPort: 80 }], env: [{ name: "A", value: "1" }] }], nodeSelector: { os: "linux" } },
});

describe("recordUpdate on create", () => {
  it("records the same ownership as an update from an object with no fields", () => {
    const created = recordUpdate(undefined, pod(), "kubectl", "Update", "v1", "2024-01-01T00:00:00Z");
    const empty: KObject = { apiVersion: "v1", kind: "Pod", metadata: { name: "a", namespace: "ns" } };
    const general = recordUpdate(empty, pod(), "kubectl", "Update", "v1", "2024-01-01T00:00:00Z");
    expect(created.metadata.managedFields).toEqual(general.metadata.managedFields);
    expect(created.metadata.managedFields?.[0]).toMatchObject({ manager: "kubectl", operation: "Update", fieldsType: "FieldsV1" });
  });

  it("records nothing for an object with no owned fields", () => {
    const created = recordUpdate(undefined, { apiVersion: "v1", kind: "Pod", metadata: { name: "a" } }, "m", "Update", "v1", "t");
    expect(created.metadata.managedFields).toBeUndefined();
  });

  it("keeps the subresource on a status write", () => {
    const created = recordUpdate(undefined, { ...pod(), status: { phase: "Running" } }, "kubelet", "Update", "v1", "t", "status");
    expect(created.metadata.managedFields?.[0]).toMatchObject({ manager: "kubelet", subresource: "status", fieldsV1: { "f:status": { "f:phase": {} } } });
  });
});
