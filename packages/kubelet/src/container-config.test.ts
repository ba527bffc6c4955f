import { describe, expect, it } from "vitest";
import type { Pod } from "@kates/api";
import { buildEnv, ContainerConfigError, expandVars } from "./container-env.js";
import { containerResources } from "./container-resources.js";

const b64 = (s: string) => Buffer.from(s).toString("base64");
const src = {
  configMap: async (_ns: string, name: string) => (name === "cm" ? { metadata: { name }, data: { A: "1", B: "2" } } : undefined),
  secret: async (_ns: string, name: string) => (name === "s" ? { metadata: { name }, data: { pw: b64("hunter2") } } : undefined),
};
const pod: Pod = { metadata: { name: "web", namespace: "ns1", uid: "u1", labels: { app: "x" } }, spec: { nodeName: "n1", containers: [] } };

describe("buildEnv", () => {
  it("combines envFrom, values, fieldRefs, configMap and secret keys, and expands $(VAR)", async () => {
    const env = await buildEnv(pod, {
      name: "c",
      envFrom: [{ configMapRef: { name: "cm" }, prefix: "CM_" }],
      env: [
        { name: "NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        { name: "NS", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
        { name: "IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
        { name: "NODE", valueFrom: { fieldRef: { fieldPath: "spec.nodeName" } } },
        { name: "APP", valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: "K", valueFrom: { configMapKeyRef: { name: "cm", key: "B" } } },
        { name: "PW", valueFrom: { secretKeyRef: { name: "s", key: "pw" } } },
        { name: "URL", value: "http://$(IP):80/$(MISSING)" },
      ],
    }, "10.1.2.3", "192.168.0.1", src);
    expect(Object.fromEntries(env.map((e) => [e.key, e.value]))).toEqual({
      CM_A: "1", CM_B: "2", NAME: "web", NS: "ns1", IP: "10.1.2.3", NODE: "n1", APP: "x", K: "2", PW: "hunter2", URL: "http://10.1.2.3:80/$(MISSING)",
    });
  });

  it("fails for a missing key unless optional", async () => {
    await expect(buildEnv(pod, { name: "c", env: [{ name: "X", valueFrom: { configMapKeyRef: { name: "cm", key: "nope" } } }] }, "", "", src)).rejects.toBeInstanceOf(ContainerConfigError);
    const env = await buildEnv(pod, { name: "c", env: [{ name: "X", valueFrom: { secretKeyRef: { name: "gone", key: "k", optional: true } } }] }, "", "", src);
    expect(env).toEqual([]);
    expect(expandVars("$$(A) $(A)", { A: "1" })).toBe("$(A) 1");
  });
});

describe("containerResources", () => {
  it("maps requests and limits to shares, quota and memory", () => {
    expect(containerResources({ name: "c", resources: { requests: { cpu: "250m" }, limits: { cpu: "500m", memory: "128Mi" } } })).toEqual({
      cpu_shares: 256, cpu_period: 100000, cpu_quota: 50000, memory_limit_in_bytes: 134217728,
    });
    expect(containerResources({ name: "c" })).toEqual({ cpu_shares: 2, cpu_period: 0, cpu_quota: 0, memory_limit_in_bytes: 0 });
    expect(containerResources({ name: "c", resources: { limits: { cpu: "1" } } })).toMatchObject({ cpu_shares: 1024, cpu_quota: 100000 });
  });
});
