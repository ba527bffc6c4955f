/**
 * The pod network in a whole cluster (test/harness/cluster.ts with podNetwork "host-gw"): the
 * controller-manager's node IPAM gives each node a podCIDR, the scheduler places a
 * Deployment's pods, and each pod's IP lies in its node's podCIDR and answers other pods.
 */
import { execFileSync } from "node:child_process";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO_ROOT } from "../../harness/apiserver.js";
import { startCluster, type StartedCluster } from "../../harness/cluster.js";
import { kubectl } from "../../harness/kubectl.js";
import { inCIDR } from "./net-helpers.js";

let cluster: StartedCluster;
let chainsExisted = true;
const chainExists = () => {
  try {
    execFileSync("iptables", ["-w", "5", "-t", "nat", "-S", "KATES-POD-MASQ"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};
const k = async (args: string[]) => {
  const r = await kubectl(["--request-timeout=30s", ...args], { server: cluster.url, timeoutMs: 45_000 });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
};

async function until<T>(fn: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${cluster.logs().slice(-6000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

beforeAll(async () => {
  chainsExisted = chainExists();
  cluster = await startCluster({ name: `podnet-${process.pid}`, nodes: ["pn-1", "pn-2"], podNetwork: "host-gw" });
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  // The kubelets leave their iptables chains (restart-safe); take them away if we brought them.
  // Their nodes all had 127.0.0.1, so they made no routes.
  if (!chainsExisted) execFileSync(process.execPath, [resolve(REPO_ROOT, "packages/kubelet/dist/main.js"), "--cleanup-network"], { stdio: "ignore" });
}, 120_000);

describe("host-gw in a cluster", () => {
  it("gives every pod an IP from its node's podCIDR, reachable from the other pods", async () => {
    const cidrs = await until(async () => {
      const nodes = JSON.parse(await k(["get", "nodes", "-o", "json"])).items as { metadata: { name: string }; spec?: { podCIDR?: string }; status?: { conditions?: { type: string; status: string }[] } }[];
      const ready = nodes.filter((n) => n.spec?.podCIDR && n.status?.conditions?.find((c) => c.type === "Ready")?.status === "True");
      return ready.length === 2 ? new Map(ready.map((n) => [n.metadata.name, n.spec!.podCIDR!])) : undefined;
    }, 60_000, "both nodes Ready with a podCIDR");
    expect(new Set(cidrs.values()).size).toBe(2);
    // /etc/hostname, not `hostname`: a pod in a pooled sandbox gets its kernel hostname a few
    // milliseconds after its first process starts (runtime-shim README, "Sandbox pool").
    await k(["create", "deployment", "web", "--image=busybox", "--replicas=4", "--", "sh", "-c", "mkdir -p /www && cat /etc/hostname > /www/index.html && exec httpd -f -p 80 -h /www"]);
    const pods = await until(async () => {
      const items = JSON.parse(await k(["get", "pods", "-l", "app=web", "-o", "json"])).items as { metadata: { name: string }; spec: { nodeName: string }; status: { phase: string; podIP?: string } }[];
      return items.length === 4 && items.every((p) => p.status.phase === "Running" && p.status.podIP) ? items : undefined;
    }, 120_000, "4 web pods Running");
    for (const p of pods) expect(inCIDR(p.status.podIP!, cidrs.get(p.spec.nodeName)!), `${p.metadata.name} ${p.status.podIP} on ${p.spec.nodeName}`).toBe(true);
    const [from, ...rest] = pods;
    for (const to of rest) {
      const body = await until(async () => (await k(["exec", from!.metadata.name, "--", "wget", "-q", "-O-", `http://${to.status.podIP}/`])).trim() || undefined, 20_000, `wget ${to.status.podIP}`);
      expect(body).toBe(to.metadata.name);
    }
  }, 240_000);
});
