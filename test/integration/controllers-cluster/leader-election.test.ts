// Two controller-manager processes (built dist/main.js) on one cluster: one leads through the
// kube-system/kube-controller-manager Lease, the other stands by; SIGKILL the leader and the
// standby takes over and keeps reconciling (default ServiceAccounts, GC, podCIDRs).
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type KObject, type Node, type ServiceAccount } from "@kates/api";
import { RestClient } from "@kates/client";
import { REPO_ROOT } from "../../harness/apiserver.js";
import { startControlPlane, type ControlPlane } from "../../harness/control-plane.js";
import { freePort } from "../../harness/ports.js";
import { OutputTail, terminate, trackChild } from "../../harness/processes.js";
import { gone, until } from "./cluster.js";

const CM_MAIN = resolve(REPO_ROOT, "packages/controller-manager/dist/main.js");

interface CmProcess {
  name: string;
  child: ChildProcess;
  healthPort: number;
  out: OutputTail;
}

let cp: ControlPlane;
let rest: RestClient;
const procs: CmProcess[] = [];
const ri = (group: string, resource: string) => findResource(group, "v1", resource)!;

async function startProcess(name: string): Promise<CmProcess> {
  const healthPort = await freePort();
  const child = spawn(process.execPath, [CM_MAIN, `--server=${cp.url}`, `--health-port=${healthPort}`, "--controllers=serviceaccount,namespace,garbagecollector,nodeipam", "--log-level=info"], { stdio: ["ignore", "pipe", "pipe"] });
  trackChild(child);
  const out = new OutputTail();
  child.stdout!.on("data", (c: Buffer) => out.push(c));
  child.stderr!.on("data", (c: Buffer) => out.push(c));
  const p = { name, child, healthPort, out };
  procs.push(p);
  return p;
}

async function role(p: CmProcess): Promise<string | undefined> {
  const res = await fetch(`http://127.0.0.1:${p.healthPort}/leader`).catch(() => undefined);
  return res?.ok ? (await res.text()).trim() : undefined;
}

async function ensureDefaultSA(ns: string, timeoutMs: number): Promise<void> {
  await rest.resource<KObject>(ri("", "namespaces")).create({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  await until(() => rest.resource<ServiceAccount>(ri("", "serviceaccounts"), ns).get("default"), timeoutMs, `default SA in ${ns}`);
}

beforeAll(async () => {
  cp = await startControlPlane({ name: "controllers-leader", etcdMembers: 1 });
  rest = new RestClient({ server: cp.url, userAgent: "controllers-leader-test" });
});

afterAll(async () => {
  await Promise.all(procs.map((p) => terminate(p.child)));
  rest?.close();
  await cp?.stop();
});

describe("controller-manager leader election", () => {
  it("the standby takes over when the leader is killed, and keeps working", async () => {
    const a = await startProcess("a");
    await until(async () => ((await role(a)) === "leader" ? true : undefined), 15_000, "a leads");
    const b = await startProcess("b");
    await until(async () => ((await role(b)) === "standby" ? true : undefined), 15_000, "b stands by");
    await ensureDefaultSA("before-failover", 10_000);

    const killedAt = Date.now();
    await terminate(a.child, 1000, "SIGKILL");
    await until(async () => ((await role(b)) === "leader" ? true : undefined), 15_000, `b leads\n${b.out.toString()}`);
    // Lease 4 s + retry 1 s: the standby acquires within about 5 s of the leader's last renewal.
    expect(Date.now() - killedAt).toBeLessThan(8000);

    await ensureDefaultSA("after-failover", 10_000);
    const cms = rest.resource<KObject>(ri("", "configmaps"), "default");
    const owner = await cms.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "lead-owner" } });
    await cms.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "lead-dep", ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "lead-owner", uid: owner.metadata.uid! }] } });
    await cms.delete("lead-owner");
    await gone(() => cms.get("lead-dep"), 10_000, "lead-dep");

    const nodes = rest.resource<Node>(ri("", "nodes"));
    for (const n of ["lead-n0", "lead-n1", "lead-n2"]) await nodes.create({ apiVersion: "v1", kind: "Node", metadata: { name: n } });
    const cidrs = await until(async () => {
      const list = (await nodes.list()).items.filter((n) => n.metadata.name!.startsWith("lead-"));
      return list.length === 3 && list.every((n) => n.spec?.podCIDR) ? list.map((n) => n.spec!.podCIDR!) : undefined;
    }, 10_000, "podCIDRs after failover");
    expect(new Set(cidrs).size).toBe(3);
    expect(await role(b)).toBe("leader");
  });
});
