import { describe, it, expect } from "vitest";
import { applyDefaults } from "../defaults.js";
import { formatFieldError } from "../errors.js";
import type { KObject } from "../meta.js";
import { findKind } from "../resources.js";
import { validateObject } from "./index.js";

function check(obj: KObject): string[] {
  const ri = findKind(obj.apiVersion!, obj.kind!)!;
  const o = structuredClone(obj);
  applyDefaults(o, ri);
  return validateObject(o, ri).map(formatFieldError);
}

const tpl = (labels: Record<string, string> = { app: "web" }, extra: object = {}) => ({ metadata: { labels }, spec: { containers: [{ name: "c", image: "nginx" }], ...extra } });
const deploy = (spec: object): KObject => ({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: { selector: { matchLabels: { app: "web" } }, template: tpl(), ...spec } });

describe("Deployment", () => {
  it("accepts a plain deployment", () => expect(check(deploy({}))).toEqual([]));

  it("rejects negative replicas", () => {
    expect(check(deploy({ replicas: -1 }))).toEqual(["spec.replicas: Invalid value: -1: must be greater than or equal to 0"]);
  });

  it("requires a selector that matches the template labels", () => {
    expect(check(deploy({ selector: undefined }))).toEqual(["spec.selector: Required value"]);
    expect(check(deploy({ selector: { matchLabels: { app: "other" } } }))).toEqual([
      "spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`",
    ]);
    expect(check(deploy({ selector: {} }))).toEqual(["spec.selector: Invalid value: {}: empty selector is invalid for deployment"]);
    expect(check(deploy({ selector: { matchExpressions: [{ key: "app", operator: "In", values: ["web", "api"] }] } }))).toEqual([]);
  });

  it("requires restartPolicy Always and forbids bad template labels", () => {
    expect(check(deploy({ template: tpl({ app: "web" }, { restartPolicy: "Never" }) }))).toEqual([
      "spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\"",
    ]);
    expect(check(deploy({ selector: { matchLabels: { app: "web" } }, template: tpl({ app: "web", "x/y/z": "1" }) }))[0]).toMatch(/^spec\.template\.metadata\.labels: Invalid value: "x\/y\/z": a qualified name/);
  });

  it("checks the strategy", () => {
    expect(check(deploy({ strategy: { type: "Recreate", rollingUpdate: { maxSurge: 1 } } }))).toEqual([
      "spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'",
    ]);
    expect(check(deploy({ strategy: { type: "Canary" } }))).toEqual(["spec.strategy.type: Unsupported value: \"Canary\": supported values: \"Recreate\", \"RollingUpdate\""]);
    expect(check(deploy({ strategy: { rollingUpdate: { maxSurge: 0, maxUnavailable: "0%" } } }))).toEqual([
      "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"0%\": may not be 0 when `maxSurge` is 0",
    ]);
    expect(check(deploy({ strategy: { rollingUpdate: { maxSurge: "5", maxUnavailable: "150%" } } }))).toEqual([
      "spec.strategy.rollingUpdate.maxSurge: Invalid value: \"5\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
      "spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"150%\": must not be greater than 100%",
    ]);
  });

  it("checks history and deadlines", () => {
    expect(check(deploy({ revisionHistoryLimit: -2, minReadySeconds: 700 }))).toEqual([
      "spec.revisionHistoryLimit: Invalid value: -2: must be greater than or equal to 0",
      "spec.progressDeadlineSeconds: Invalid value: 600: must be greater than minReadySeconds",
    ]);
  });
});

describe("ReplicaSet, DaemonSet, StatefulSet", () => {
  it("ReplicaSet uses the same selector rules", () => {
    const rs = { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "rs" }, spec: { selector: { matchLabels: { type: "front-end" } }, template: tpl({ app: "myapp", type: "front-end" }) } };
    expect(check(rs)).toEqual([]);
    rs.spec.selector.matchLabels.type = "back-end";
    expect(check(rs)).toHaveLength(1);
  });

  it("DaemonSet update strategy", () => {
    const ds = { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "ds" }, spec: { selector: { matchLabels: { app: "web" } }, template: tpl(), updateStrategy: { type: "Sometimes" } } };
    expect(check(ds)).toEqual(["spec.updateStrategy.type: Unsupported value: \"Sometimes\": supported values: \"OnDelete\", \"RollingUpdate\""]);
  });

  it("StatefulSet policies", () => {
    const ss = { apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name: "db" }, spec: { serviceName: "db", selector: { matchLabels: { app: "web" } }, template: tpl(), podManagementPolicy: "Random", updateStrategy: { type: "OnDelete", rollingUpdate: { partition: 1 } } } };
    expect(check(ss)).toEqual([
      "spec.podManagementPolicy: Unsupported value: \"Random\": supported values: \"OrderedReady\", \"Parallel\"",
      "spec.updateStrategy.rollingUpdate: Invalid value: {\"partition\":1}: only allowed for updateStrategy 'RollingUpdate'",
    ]);
  });
});
