// Two kates-dns replicas (real processes from dist, on 127.0.0.2 and 127.0.0.3) against a
// real apiserver and etcd, with short leases: both join kube-dns' endpoints; one killed with
// SIGKILL (no chance to withdraw) leaves them once its Lease expires; the survivor's SIGTERM
// empties them and deletes its Lease.
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type EndpointSlice, type Endpoints, type Lease } from "@kates/api";
import { RestClient } from "@kates/client";
import { REPO_ROOT } from "../../harness/apiserver.js";
import { startControlPlane, type ControlPlane } from "../../harness/control-plane.js";
import { freePort } from "../../harness/ports.js";
import { OutputTail, terminate, trackChild } from "../../harness/processes.js";
import { until } from "../controllers-cluster/cluster.js";

const DNS_MAIN = resolve(REPO_ROOT, "packages/dns/dist/main.js");
const ri = (group: string, resource: string) => findResource(group, "v1", resource)!;

let cp: ControlPlane;
let rest: RestClient;
const replicas = new Map<string, ChildProcess>();
const logs = new OutputTail(2_000_000);

async function startReplica(address: string, dnsPort: number): Promise<ChildProcess> {
  const healthPort = await freePort();
  const child = spawn(process.execPath, [
    "--enable-source-maps", DNS_MAIN,
    `--server=${cp.url}`, `--bind-address=${address}`, `--port=${dnsPort}`, `--health-port=${healthPort}`,
    "--upstream=127.0.0.1:9", `--advertise-address=${address}`, "--lease-renew-interval=1s", "--lease-duration=3s",
  ], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  trackChild(child);
  child.stdout?.on("data", (c: Buffer) => logs.push(c));
  child.stderr?.on("data", (c: Buffer) => logs.push(c));
  replicas.set(address, child);
  await until(async () => {
    if (child.exitCode !== null) throw new Error(`kates-dns ${address} exited:\n${logs.toString()}`);
    const res = await fetch(`http://127.0.0.1:${healthPort}/readyz`).catch(() => undefined);
    return res?.status === 200 ? true : undefined;
  }, 30_000, `kates-dns ${address} /readyz`);
  return child;
}

const endpoints = () => rest.resource<Endpoints>(ri("", "endpoints"), "kube-system");
const slices = () => rest.resource<EndpointSlice>(ri("discovery.k8s.io", "endpointslices"), "kube-system");
const leases = () => rest.resource<Lease>(ri("coordination.k8s.io", "leases"), "kube-system");

/** The addresses kube-dns' Endpoints and EndpointSlices list, sorted, as one comparable string. */
async function listed(): Promise<string> {
  const ep = await endpoints().get("kube-dns").catch(() => undefined);
  const epIPs = (ep?.subsets ?? []).flatMap((s) => s.addresses ?? []).map((a) => a.ip).sort();
  const sl = await slices().list({ labelSelector: "kubernetes.io/service-name=kube-dns" });
  const slIPs = sl.items.flatMap((s) => s.endpoints.flatMap((e) => e.addresses)).sort();
  return `endpoints=${epIPs.join(",")} slices=${slIPs.join(",")}`;
}

beforeAll(async () => {
  cp = await startControlPlane({ name: "dns-leases", etcdMembers: 1 });
  rest = new RestClient({ server: cp.url, userAgent: "dns-leases-test" });
  const dnsPort = await freePort();
  await Promise.all([startReplica("127.0.0.2", dnsPort), startReplica("127.0.0.3", dnsPort)]);
}, 60_000);

afterAll(async () => {
  for (const child of replicas.values()) if (child.exitCode === null && child.signalCode === null) await terminate(child, 10_000, "SIGTERM");
  rest?.close();
  await cp?.stop();
});

describe("kates-dns endpoint leases", () => {
  it("drops a SIGKILLed replica once its Lease expires, and the last one withdraws on SIGTERM", async () => {
    const both = "endpoints=127.0.0.2,127.0.0.3 slices=127.0.0.2,127.0.0.3";
    await until(async () => ((await listed()) === both ? true : undefined), 5000, "both replicas listed").catch(async (e: Error) => {
      throw new Error(`${e.message}: ${await listed()}\n${logs.toString()}`);
    });
    const held = (await leases().list({ labelSelector: "k8s-app=kates-dns" })).items;
    expect(held.map((l) => `${l.metadata.name}=${l.spec?.holderIdentity}/${l.spec?.leaseDurationSeconds}`).sort()).toEqual(["kates-dns-127-0-0-2=127.0.0.2/3", "kates-dns-127-0-0-3=127.0.0.3/3"]);

    const victim = replicas.get("127.0.0.3")!;
    process.kill(victim.pid!, "SIGKILL");
    await new Promise((r) => victim.once("exit", r));
    const killedAt = Date.now();
    // Still listed right after the kill: nobody withdrew it, only the Lease can expire it.
    expect(await listed()).toBe(both);
    const survivor = "endpoints=127.0.0.2 slices=127.0.0.2";
    await until(async () => ((await listed()) === survivor ? true : undefined), 6000, "only the survivor listed").catch(async (e: Error) => {
      throw new Error(`${e.message}: ${await listed()}\n${logs.toString()}`);
    });
    expect(Date.now() - killedAt).toBeLessThan(5500);
    // The dead replica's Lease is left expired (only its owner deletes it); it must stay ignored.
    await new Promise((r) => setTimeout(r, 1500));
    expect(await listed()).toBe(survivor);

    const last = replicas.get("127.0.0.2")!;
    await terminate(last, 10_000, "SIGTERM");
    expect(last.exitCode).toBe(0);
    expect(await listed()).toBe("endpoints= slices=");
    await expect(leases().get("kates-dns-127-0-0-2")).rejects.toMatchObject({ code: 404 });
  });
});
