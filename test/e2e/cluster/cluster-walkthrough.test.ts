// The seeds' deployment walkthrough on a whole kates cluster with real containers: every
// daemon its own process (etcd, apiserver, controller-manager, scheduler, and two nodes of
// runtime shim + kubelet on Docker), driven by the real kubectl. Then one node dies and its
// pods come back on the other within the lab bound.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCluster, type StartedCluster } from "../../harness/cluster.js";
import { REPO_ROOT } from "../../harness/apiserver.js";
import { kubectl as runKubectl } from "../../harness/kubectl.js";

let cluster: StartedCluster;
const cacheDir = `/tmp/kates-e2e-cluster-kubectl-${process.pid}`;
const kubectl = (args: string[], input?: string) => runKubectl(["--request-timeout=30s", ...args], { server: cluster.url, cacheDir, input, timeoutMs: 150_000 });
const seed = readFileSync(resolve(REPO_ROOT, "test/fixtures/seeds/deployment-myapp-deployment-6-replicas.yaml"), "utf8");

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<number> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) {
      const state = (await kubectl(["get", "pods,nodes", "-o", "wide"])).stdout;
      throw new Error(`${what} not reached in ${timeoutMs} ms\n${state}\n${cluster.logs()}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return Date.now() - start;
}

const podsOn = async (node: string) => {
  const out = await kubectl(["get", "pods", "-l", "app=myapp", "-o", "jsonpath={range .items[*]}{.spec.nodeName} {.status.phase} {.metadata.deletionTimestamp}{\"\\n\"}{end}"]);
  return out.stdout.split("\n").filter(Boolean).filter((l) => l.startsWith(`${node} Running`) && l.split(" ").length <= 3 && !l.split(" ")[2]).length;
};

beforeAll(async () => {
  cluster = await startCluster({ name: "walk", nodes: ["node-a", "node-b"] });
  await until(async () => (await kubectl(["get", "nodes", "--no-headers"])).stdout.split("\n").filter((l) => / Ready /.test(l)).length === 2, 60_000, "2 Ready nodes");
}, 180_000);

afterAll(async () => {
  await cluster?.stop();
}, 120_000);

describe("seed deployment on real containers", () => {
  it("rolls out 6 replicas spread over both nodes", async () => {
    expect((await kubectl(["apply", "-f", "-", "--record"], seed)).stdout).toContain("deployment.apps/myapp-deployment created");
    const status = await kubectl(["rollout", "status", "deployment/myapp-deployment", "--timeout=120s"]);
    expect(status.stdout).toContain('deployment "myapp-deployment" successfully rolled out');
    const wide = (await kubectl(["get", "pods", "-o", "wide", "--no-headers"])).stdout;
    const lines = wide.split("\n").filter((l) => l.startsWith("myapp-deployment-"));
    expect(lines).toHaveLength(6);
    expect(lines.every((l) => /1\/1\s+Running/.test(l))).toBe(true);
    expect(lines.some((l) => l.includes("node-a"))).toBe(true);
    expect(lines.some((l) => l.includes("node-b"))).toBe(true);
    const events = (await kubectl(["get", "events", "--field-selector", "reason=Scheduled", "-o", "name"])).stdout.trim().split("\n");
    expect(events.length).toBeGreaterThanOrEqual(6);
  }, 180_000);

  it("serves a page from a pod through kubectl exec and logs", async () => {
    const pod = (await kubectl(["get", "pods", "-l", "app=myapp", "-o", "jsonpath={.items[0].metadata.name}"])).stdout;
    const exec = await kubectl(["exec", pod, "--", "sh", "-c", "echo hello-from-$(hostname)"]);
    expect(exec.stdout.trim()).toBe(`hello-from-${pod}`);
  }, 60_000);

  it("updates the image, gets stuck on a missing tag with old pods kept available, and undoes", async () => {
    await kubectl(["set", "image", "deployment/myapp-deployment", "nginx=nginx:1.24.0-perl", "--record"]);
    expect((await kubectl(["rollout", "status", "deployment/myapp-deployment", "--timeout=120s"])).stdout).toContain("successfully rolled out");
    await kubectl(["set", "image", "deployment/myapp-deployment", "nginx=nginx:1.24.0-does-not-exist", "--record"]);
    await until(async () => {
      const pods = (await kubectl(["get", "pods", "--no-headers"])).stdout;
      return (pods.match(/ErrImagePull|ImagePullBackOff/g) ?? []).length === 3;
    }, 60_000, "3 new pods failing to pull");
    await new Promise((r) => setTimeout(r, 3000));
    const deploy = (await kubectl(["get", "deployment", "myapp-deployment", "--no-headers"])).stdout;
    expect(deploy).toMatch(/myapp-deployment\s+5\/6\s+3\s+5\s/);
    const history = (await kubectl(["rollout", "history", "deployment/myapp-deployment"])).stdout;
    expect(history).toContain("nginx=nginx:1.24.0-does-not-exist");
    expect((await kubectl(["rollout", "undo", "deployment/myapp-deployment"])).stdout).toContain("rolled back");
    expect((await kubectl(["rollout", "status", "deployment/myapp-deployment", "--timeout=120s"])).stdout).toContain("successfully rolled out");
    const images = (await kubectl(["get", "pods", "-l", "app=myapp", "-o", "jsonpath={.items[*].spec.containers[0].image}"])).stdout.split(" ");
    expect(new Set(images)).toEqual(new Set(["nginx:1.24.0-perl"]));
  }, 300_000);

  it("replaces the pods of a node whose kubelet dies on the other node within the lab bound", async () => {
    const onB = await podsOn("node-b");
    expect(onB).toBeGreaterThan(0);
    const { kubelet, shimId } = cluster.nodes.get("node-b")!;
    void shimId;
    const died = Date.now();
    await kubelet.stop("SIGKILL");
    const took = await until(async () => (await podsOn("node-a")) === 6, 60_000, "all 6 pods Running on node-a");
    const sinceDeath = Date.now() - died;
    // Issue 4's bound is 10 s from the node's death; allow the kubectl polling itself on top.
    expect(sinceDeath).toBeLessThan(12_000);
    expect(took).toBeGreaterThan(0);
    const node = (await kubectl(["get", "node", "node-b", "-o", "jsonpath={.spec.taints[*].key}"])).stdout;
    expect(node).toContain("node.kubernetes.io/unreachable");
  }, 120_000);
});
