// Multi-host smoke test: two Docker-in-Docker hosts join a cluster whose control plane runs on
// this machine, become Ready nodes, and run a Deployment spread over both, each pod with an
// IP from its node's podCIDR.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMultiHostCluster, type MultiHostCluster } from "../../harness/dind.js";
import { inCIDR, podCIDRs, pods, until, webDeployment } from "./helpers.js";

let lab: MultiHostCluster;

beforeAll(async () => {
  lab = await startMultiHostCluster({ name: "smoke", hosts: ["node-a", "node-b"], prePull: ["pause:3.9", "busybox:1.36"] });
}, 600_000);

afterAll(async () => {
  await lab?.stop();
}, 120_000);

describe("multi-host smoke", () => {
  it("registers one Ready node per host with the host's lab address", async () => {
    const wide = (await lab.kubectl(["get", "nodes", "-o", "wide", "--no-headers"])).stdout;
    for (const host of lab.hosts) {
      expect(wide).toMatch(new RegExp(`^${host.name}\\s+Ready\\s.*\\s${host.ip.replace(/\./g, "\\.")}\\s`, "m"));
    }
    const cidrs = await podCIDRs(lab);
    expect([...cidrs.keys()].sort()).toEqual(lab.hosts.map((h) => h.name).sort());
    expect(new Set(cidrs.values()).size).toBe(lab.hosts.length);
    for (const cidr of cidrs.values()) expect(inCIDR(cidr.split("/")[0]!, "10.244.0.0/16")).toBe(true);
  }, 60_000);

  it("runs a 2-replica Deployment spread over both hosts, pod IPs from each node's podCIDR", async () => {
    const apply = await lab.kubectl(["apply", "-f", "-"], { input: webDeployment("web", 2) });
    expect(apply.code, apply.stderr).toBe(0);
    await until(lab, async () => (await pods(lab, "app=web")).filter((p) => p.ready === "1/1").length === 2, 180_000, "2 ready web pods");
    const rows = await pods(lab, "app=web");
    expect(new Set(rows.map((p) => p.node))).toEqual(new Set(lab.hosts.map((h) => h.name)));
    const cidrs = await podCIDRs(lab);
    for (const p of rows) {
      expect(inCIDR(p.ip, cidrs.get(p.node)!), `${p.name} on ${p.node} has IP ${p.ip}, podCIDR ${cidrs.get(p.node)}`).toBe(true);
    }
    // Each pod's hostname is its name.
    for (const p of rows) expect((await lab.kubectl(["exec", p.name, "--", "hostname"])).stdout.trim()).toBe(p.name);
    // The containers really run inside the hosts' own engines.
    for (const host of lab.hosts) {
      const names = await host.mustExec("docker ps --format '{{.Names}}'");
      expect(names).toContain(rows.find((p) => p.node === host.name)!.name);
    }
  }, 240_000);
});
