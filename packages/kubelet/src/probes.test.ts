import { describe, expect, it } from "vitest";
import type { Pod } from "@kates/api";
import { ProbeManager } from "./probes.js";

const pod: Pod = { metadata: { name: "p", namespace: "d", uid: "u" }, spec: { containers: [] } };

describe("ProbeManager", () => {
  it("flips results only after the thresholds and reports each failure", async () => {
    let ok = true;
    const changes: string[] = [];
    const failures: string[] = [];
    const m = new ProbeManager(async () => ({ ok, message: ok ? "" : "HTTP probe failed with statuscode: 500" }), (_u, c, k, r) => changes.push(`${c}/${k}=${r}`), (_p, c, k) => failures.push(`${c}/${k}`));
    const c = { name: "app", readinessProbe: { exec: { command: ["true"] }, periodSeconds: 0.02, failureThreshold: 2 }, livenessProbe: { exec: { command: ["true"] }, periodSeconds: 0.02, failureThreshold: 3 } };
    m.ensure(pod, c, "c1", "10.0.0.1", Date.now());
    await new Promise((r) => setTimeout(r, 50));
    expect(m.result("u", "app", "readiness")).toBe(true);
    ok = false;
    await new Promise((r) => setTimeout(r, 200));
    expect(m.result("u", "app", "readiness")).toBe(false);
    expect(m.result("u", "app", "liveness")).toBe(false);
    expect(changes).toEqual(expect.arrayContaining(["app/readiness=true", "app/readiness=false", "app/liveness=false"]));
    expect(failures.length).toBeGreaterThanOrEqual(3);
    m.remove("u");
    expect(m.result("u", "app", "liveness")).toBeUndefined();
    m.stopAll();
  });
});
