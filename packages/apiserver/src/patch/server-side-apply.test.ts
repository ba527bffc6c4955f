import { describe, expect, it } from "vitest";
import { ApiError, type KObject } from "@kates/api";
import { recordUpdate } from "./record-update.js";
import { serverSideApply } from "./server-side-apply.js";

const NOW = "2025-01-01T00:00:00Z";
const opts = { manager: "kubectl", force: false, apiVersion: "apps/v1", now: NOW };

function deployment(replicas: number, containers: object[]): KObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", namespace: "default", labels: { app: "web" } },
    spec: {
      replicas,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers } },
    },
  };
}

/** What the registry would have stored after a create. */
function stored(obj: KObject): KObject {
  return { ...obj, metadata: { ...obj.metadata, uid: "uid-1", resourceVersion: "10", creationTimestamp: NOW, generation: 1 }, status: { replicas: 0 } };
}

function conflictOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error("expected an apply conflict");
}

type Spec = { replicas?: number; template: { spec: { containers: Record<string, unknown>[] } } };
const spec = (o: KObject) => o.spec as Spec;

describe("serverSideApply", () => {
  it("creates an object that does not exist yet and records ownership", () => {
    const out = serverSideApply(undefined, deployment(2, [{ name: "nginx", image: "nginx" }]), opts);
    expect(out.metadata.name).toBe("web");
    expect(spec(out).replicas).toBe(2);
    expect(out.metadata.managedFields).toEqual([{
      manager: "kubectl",
      operation: "Apply",
      apiVersion: "apps/v1",
      time: NOW,
      fieldsType: "FieldsV1",
      fieldsV1: {
        "f:metadata": { "f:labels": { "f:app": {} } },
        "f:spec": {
          "f:replicas": {},
          "f:selector": {},
          "f:template": {
            "f:metadata": { "f:labels": { "f:app": {} } },
            "f:spec": { "f:containers": { 'k:{"name":"nginx"}': { ".": {}, "f:image": {}, "f:name": {} } } },
          },
        },
      },
    }]);
  });

  it("keeps server-maintained metadata and status of the live object", () => {
    const live = stored(serverSideApply(undefined, deployment(2, [{ name: "nginx", image: "nginx" }]), opts));
    const applied = deployment(3, [{ name: "nginx", image: "nginx" }]);
    applied.status = { replicas: 99 };
    const out = serverSideApply(live, applied, opts);
    expect(out.metadata.uid).toBe("uid-1");
    expect(out.metadata.resourceVersion).toBe("10");
    expect(out.status).toEqual({ replicas: 0 });
    expect(spec(out).replicas).toBe(3);
  });

  it("removes fields it applied before and no longer applies", () => {
    const first = stored(serverSideApply(undefined, deployment(2, [{ name: "nginx", image: "nginx", args: ["a"] }, { name: "side", image: "busybox" }]), opts));
    const out = serverSideApply(first, deployment(2, [{ name: "nginx", image: "nginx" }]), opts);
    expect(spec(out).template.spec.containers).toEqual([{ name: "nginx", image: "nginx" }]);
  });

  it("keeps dropped fields that another manager also owns", () => {
    const first = stored(serverSideApply(undefined, deployment(2, [{ name: "nginx", image: "nginx" }]), opts));
    const scaled = recordUpdate(first, { ...first, spec: { ...spec(first), replicas: 5 } }, "kubectl-scale", "Update", "apps/v1", NOW, "scale");
    const applied = deployment(0, [{ name: "nginx", image: "nginx" }]);
    delete (applied.spec as Spec).replicas;
    const out = serverSideApply(scaled, applied, opts);
    expect(spec(out).replicas).toBe(5);
  });

  it("conflicts with a client-side apply that set a different value", () => {
    const created = stored(recordUpdate(undefined, deployment(1, [{ name: "nginx", image: "nginx" }]), "kubectl-client-side-apply", "Update", "apps/v1", NOW));
    const err = conflictOf(() => serverSideApply(created, deployment(3, [{ name: "nginx", image: "nginx" }]), opts));
    expect(err.code).toBe(409);
    expect(err.reason).toBe("Conflict");
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
    expect(err.details?.causes).toEqual([{ reason: "FieldManagerConflict", message: 'conflict with "kubectl-client-side-apply" using apps/v1', field: ".spec.replicas" }]);
  });

  it("lists several conflicts per manager", () => {
    const created = stored(recordUpdate(undefined, deployment(1, [{ name: "nginx", image: "nginx" }]), "kubectl-client-side-apply", "Update", "apps/v1", NOW));
    const err = conflictOf(() => serverSideApply(created, deployment(3, [{ name: "nginx", image: "nginx:2" }]), opts));
    expect(err.message).toBe([
      'Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:',
      "- .spec.replicas",
      '- .spec.template.spec.containers[name="nginx"].image',
    ].join("\n"));
  });

  it("shares fields applied with the same value, without conflict", () => {
    const created = stored(recordUpdate(undefined, deployment(1, [{ name: "nginx", image: "nginx" }]), "kubectl-client-side-apply", "Update", "apps/v1", NOW));
    const out = serverSideApply(created, deployment(1, [{ name: "nginx", image: "nginx" }]), opts);
    expect(out.metadata.managedFields?.map((e) => e.manager)).toEqual(["kubectl-client-side-apply", "kubectl"]);
  });

  it("takes conflicting fields over when forced", () => {
    const created = stored(recordUpdate(undefined, deployment(1, [{ name: "nginx", image: "nginx" }]), "kubectl-client-side-apply", "Update", "apps/v1", NOW));
    const out = serverSideApply(created, deployment(3, [{ name: "nginx", image: "nginx" }]), { ...opts, force: true });
    expect(spec(out).replicas).toBe(3);
    const csa = out.metadata.managedFields?.find((e) => e.manager === "kubectl-client-side-apply");
    expect(csa?.fieldsV1?.["f:spec"]).not.toHaveProperty("f:replicas");
    expect(csa?.fieldsV1?.["f:spec"]).toHaveProperty("f:selector");
  });

  it("merges keyed lists item by item and leaves other managers' items alone", () => {
    const first = stored(serverSideApply(undefined, deployment(1, [{ name: "nginx", image: "nginx" }]), opts));
    const withSidecar = deployment(1, [{ name: "side", image: "busybox" }]);
    const out = serverSideApply(first, withSidecar, { ...opts, manager: "sidecar-injector" });
    expect(spec(out).template.spec.containers.map((c) => c.name)).toEqual(["nginx", "side"]);
  });

  it("keeps a dropped item while another manager owns a field inside it", () => {
    const first = stored(serverSideApply(undefined, deployment(1, [{ name: "nginx", image: "nginx" }, { name: "side", image: "busybox" }]), opts));
    const edited = structuredClone(first);
    spec(edited).template.spec.containers[1].image = "busybox:2";
    const set = recordUpdate(first, edited, "kubectl-set", "Update", "apps/v1", NOW);
    const out = serverSideApply(set, deployment(1, [{ name: "nginx", image: "nginx" }]), opts);
    expect(spec(out).template.spec.containers).toEqual([{ name: "nginx", image: "nginx" }, { name: "side", image: "busybox:2" }]);
  });
});

describe("recordUpdate", () => {
  it("gives a create's fields to its manager", () => {
    const out = recordUpdate(undefined, deployment(1, [{ name: "nginx", image: "nginx" }]), "kubectl-create", "Update", "apps/v1", NOW);
    expect(out.metadata.managedFields).toHaveLength(1);
    expect(out.metadata.managedFields?.[0]).toMatchObject({ manager: "kubectl-create", operation: "Update", apiVersion: "apps/v1", time: NOW, fieldsType: "FieldsV1" });
    expect(out.metadata.managedFields?.[0].fieldsV1).toHaveProperty(["f:spec", "f:replicas"]);
  });

  it("moves changed fields to the writer and leaves untouched ones", () => {
    const created = stored(recordUpdate(undefined, deployment(1, [{ name: "nginx", image: "nginx" }]), "kubectl-create", "Update", "apps/v1", NOW));
    const edited = structuredClone(created);
    spec(edited).template.spec.containers[0].image = "nginx:2";
    const out = recordUpdate(created, edited, "kubectl-set", "Update", "apps/v1", "2025-01-02T00:00:00Z");
    const [create, set] = out.metadata.managedFields ?? [];
    expect(set).toMatchObject({ manager: "kubectl-set", time: "2025-01-02T00:00:00Z" });
    expect(set.fieldsV1).toEqual({ "f:spec": { "f:template": { "f:spec": { "f:containers": { 'k:{"name":"nginx"}': { "f:image": {} } } } } } });
    expect(create.fieldsV1).not.toHaveProperty(["f:spec", "f:template", "f:spec", "f:containers", 'k:{"name":"nginx"}', "f:image"]);
    expect(create.fieldsV1).toHaveProperty(["f:spec", "f:template", "f:spec", "f:containers", 'k:{"name":"nginx"}', "f:name"]);
  });

  it("drops fields that disappeared from every manager", () => {
    const created = stored(recordUpdate(undefined, deployment(1, [{ name: "nginx", image: "nginx" }]), "kubectl-create", "Update", "apps/v1", NOW));
    const edited = structuredClone(created);
    delete edited.metadata.labels;
    const out = recordUpdate(created, edited, "kubectl-edit", "Update", "apps/v1", NOW);
    expect(out.metadata.managedFields?.map((e) => e.manager)).toEqual(["kubectl-create"]);
    expect(out.metadata.managedFields?.[0].fieldsV1).not.toHaveProperty("f:metadata");
  });

  it("records status writes apart from the main resource", () => {
    const created = stored(recordUpdate(undefined, deployment(1, [{ name: "nginx", image: "nginx" }]), "kubectl-create", "Update", "apps/v1", NOW));
    const withStatus = { ...structuredClone(created), status: { replicas: 1, observedGeneration: 1 } };
    const out = recordUpdate(created, withStatus, "kube-controller-manager", "Update", "apps/v1", NOW, "status");
    const [create, kcm] = out.metadata.managedFields ?? [];
    expect(create.fieldsV1).toEqual(created.metadata.managedFields?.[0].fieldsV1);
    expect(kcm).toMatchObject({ manager: "kube-controller-manager", subresource: "status" });
    expect(kcm.fieldsV1).toEqual({ "f:status": { "f:observedGeneration": {}, "f:replicas": {} } });
  });

  it("keeps managedFields a writer replaced itself", () => {
    const created = stored(recordUpdate(undefined, deployment(1, [{ name: "nginx", image: "nginx" }]), "kubectl-client-side-apply", "Update", "apps/v1", NOW));
    const migrated = structuredClone(created);
    migrated.metadata.managedFields = [{ manager: "kubectl", operation: "Apply", apiVersion: "apps/v1", time: NOW, fieldsType: "FieldsV1", fieldsV1: { "f:spec": { "f:replicas": {} } } }];
    expect(recordUpdate(created, migrated, "kubectl", "Update", "apps/v1", NOW).metadata.managedFields).toEqual(migrated.metadata.managedFields);
    const cleared = { ...structuredClone(created), metadata: { ...created.metadata, managedFields: [{}] } };
    expect(recordUpdate(created, cleared, "x", "Update", "apps/v1", NOW).metadata.managedFields).toBeUndefined();
  });

  it("lets a later apply conflict with a scale", () => {
    const first = stored(serverSideApply(undefined, deployment(2, [{ name: "nginx", image: "nginx" }]), opts));
    const scaled = recordUpdate(first, { ...first, spec: { ...spec(first), replicas: 5 } }, "kubectl", "Update", "apps/v1", NOW, "scale");
    const err = conflictOf(() => serverSideApply(scaled, deployment(2, [{ name: "nginx", image: "nginx" }]), opts));
    expect(err.message).toBe('Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas');
  });
});
