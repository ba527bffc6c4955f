// The check at process level: apiserver, controller-manager, scheduler and three
// hollow kubelets as separate processes built from dist/. SIGKILL the kubelet of a node
// that runs pods of a ReplicaSet: the pods are replaced and Running on the other nodes
// within 10 s (lab timings: lease renew 1 s, grace 4 s, default tolerations 2 s).
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type KObject, type Node, type Pod } from "@kates/api";
import { RestClient } from "@kates/client";
import { REPO_ROOT } from "../../harness/apiserver.js";
import { startControlPlane, type ControlPlane } from "../../harness/control-plane.js";
import { freePort } from "../../harness/ports.js";
import { OutputTail, terminate, trackChild } from "../../harness/processes.js";
import { until } from "./cluster.js";

let cp: ControlPlane;
let rest: RestClient;
const children = new Map<string, { child: ChildProcess; out: OutputTail }>();

async function daemon(name: string, pkg: string, args: string[]): Promise<void> {
  const child = spawn(process.execPath, [resolve(REPO_ROOT, `packages/${pkg}/dist/main.js`), `--server=${cp.url}`, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  trackChild(child);
  const out = new OutputTail();
  child.stdout!.on("data", (c: Buffer) => out.push(c));
  child.stderr!.on("data", (c: Buffer) => out.push(c));
  children.set(name, { child, out });
}

beforeAll(async () => {
  cp = await startControlPlane({ name: "controllers-node-death", etcdMembers: 1 });
  rest = new RestClient({ server: cp.url, userAgent: "node-death-test" });
  await daemon("controller-manager", "controller-manager", [`--health-port=${await freePort()}`, "--no-leader-elect"]);
  await daemon("scheduler", "scheduler", [`--health-port=${await freePort()}`, "--no-leader-elect"]);
  for (const n of ["pk-0", "pk-1", "pk-2"]) await daemon(n, "kubelet", ["--hollow", `--node-name=${n}`, `--port=${await freePort()}`]);
});

afterAll(async () => {
  await Promise.all([...children.values()].map((c) => terminate(c.child)));
  rest?.close();
  await cp?.stop();
});

describe("a dead kubelet process", () => {
  it("gets its pods replaced on other nodes within 10 s", async () => {
    const nodes = rest.resource<Node>(findResource("", "v1", "nodes")!);
    const pods = rest.resource<Pod>(findResource("", "v1", "pods")!, "default");
    await until(async () => {
      const ready = (await nodes.list()).items.filter((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
      return ready.length === 3 ? true : undefined;
    }, 20_000, "three Ready nodes");
    await rest.resource<KObject>(findResource("apps", "v1", "replicasets")!, "default").create({
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: "web" },
      spec: { replicas: 6, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } },
    });
    const running = async () => (await pods.list({ labelSelector: "app=web" })).items.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase === "Running");
    const before = await until(async () => {
      const r = await running();
      return r.length === 6 ? r : undefined;
    }, 20_000, "6 pods Running");
    const counts = new Map<string, number>();
    for (const p of before) counts.set(p.spec!.nodeName!, (counts.get(p.spec!.nodeName!) ?? 0) + 1);
    const victim = [...counts.entries()].sort((a, b) => b[1] - a[1])[0]![0];

    const killedAt = Date.now();
    await terminate(children.get(victim)!.child, 1000, "SIGKILL");
    await until(async () => {
      const r = await running();
      return r.length === 6 && r.every((p) => p.spec?.nodeName !== victim) ? true : undefined;
    }, 20_000, `replacements for ${victim}'s pods Running\n${children.get("controller-manager")!.out.toString().slice(-3000)}`);
    const elapsed = Date.now() - killedAt;
    console.log(`replaced ${counts.get(victim)} pods of dead node ${victim} in ${elapsed} ms`);
    if (process.env.KATES_TEST_TIMELINE) console.log(killedAt, children.get("controller-manager")!.out.toString().split("\n").filter((l) => /evicted|stopped posting|condition taints/.test(l)).join("\n"));
    expect(elapsed).toBeLessThan(10_000);
    const node = await nodes.get(victim);
    expect(node.spec?.taints?.map((t) => `${t.key}:${t.effect}`).sort()).toEqual(["node.kubernetes.io/unreachable:NoExecute", "node.kubernetes.io/unreachable:NoSchedule"]);
  });
});
