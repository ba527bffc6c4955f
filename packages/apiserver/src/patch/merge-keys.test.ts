import { describe, expect, it } from "vitest";
import { fieldStrategy } from "./merge-keys.js";

const p = (s: string) => s.split(".");

describe("fieldStrategy", () => {
  it("finds pod-spec lists wherever the pod template sits", () => {
    expect(fieldStrategy(p("spec.containers"), "Pod")).toEqual({ type: "map", key: "name" });
    expect(fieldStrategy(p("spec.template.spec.containers"), "Deployment")).toEqual({ type: "map", key: "name" });
    expect(fieldStrategy(p("spec.jobTemplate.spec.template.spec.initContainers.env"), "CronJob")).toEqual({ type: "map", key: "name" });
    expect(fieldStrategy(p("spec.template.spec.containers.volumeMounts"), "ReplicaSet")).toEqual({ type: "map", key: "mountPath" });
  });

  it("tells container ports from service ports", () => {
    expect(fieldStrategy(p("spec.template.spec.containers.ports"), "Deployment")).toEqual({ type: "map", key: "containerPort" });
    expect(fieldStrategy(p("spec.ports"), "Service")).toEqual({ type: "map", key: "port" });
    expect(fieldStrategy(p("subsets.ports"), "Endpoints")).toBeUndefined();
    expect(fieldStrategy(p("spec.ports"), "Pod")).toBeUndefined();
  });

  it("leaves lists without a strategy atomic", () => {
    for (const f of ["args", "command", "tolerations", "envFrom"]) {
      expect(fieldStrategy(p(`spec.containers.${f}`), "Pod")).toBeUndefined();
    }
    expect(fieldStrategy(p("spec.tolerations"), "Pod")).toBeUndefined();
  });

  it("knows metadata lists and atomic selectors", () => {
    expect(fieldStrategy(p("metadata.finalizers"), "ConfigMap")).toEqual({ type: "set" });
    expect(fieldStrategy(p("metadata.ownerReferences"), "Pod")).toEqual({ type: "map", key: "uid" });
    expect(fieldStrategy(p("spec.selector"), "Deployment")).toEqual({ type: "atomic" });
    expect(fieldStrategy(p("status.conditions"), "Deployment")).toEqual({ type: "map", key: "type" });
  });
});
