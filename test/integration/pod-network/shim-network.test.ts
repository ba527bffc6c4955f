/**
 * The runtime shim's pod network on the real Docker engine: UpdateRuntimeConfig makes a
 * bridge network on the podCIDR (Docker's masquerade off), fresh and pooled sandboxes get
 * addresses from it and reach each other, a restarted shim adopts it, and a podCIDR change
 * is refused while sandboxes use the network and applied once they are gone.
 */
import { execFileSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { status as Status } from "@grpc/grpc-js";
import { newLogger } from "@kates/component-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRuntimeShim, type RunningShim, type RunOptions } from "../../../packages/runtime-shim/src/runtime-shim.js";
import { podBridgeName } from "../../../packages/runtime-shim/src/pod-network-config.js";
import { dockerInspect, shimClient, testShimOptions, type ShimClient } from "../runtime-shim/shim-client.js";
import { inCIDR, randomPodCIDR, removeShimObjects } from "./net-helpers.js";

const SHIM_ID = `podnet-shim-${process.pid}`;
const CIDR = randomPodCIDR();
let dir: string;
let options: RunOptions;
let shim: RunningShim;
let client: ShimClient;
const log = newLogger("pod-network-shim-test", "warn");

const podConfig = (name: string, extra: object = {}) => ({
  metadata: { name, namespace: "default", uid: `uid-${name}-${process.pid}`, attempt: 0 },
  hostname: name,
  labels: { "io.kubernetes.pod.uid": `uid-${name}-${process.pid}` },
  dns_config: { servers: ["10.96.0.10"], searches: ["default.svc.cluster.local"], options: ["ndots:5"] },
  ...extra,
});

async function startShim(): Promise<void> {
  shim = await startRuntimeShim(options, log);
  client = shimClient(shim.address);
}

async function stopShim(): Promise<void> {
  client.close();
  await shim.stop(false);
}

/** A sandbox with one busybox container serving its name over HTTP on port 80. */
async function webPod(name: string, extra: object = {}): Promise<{ sandboxId: string; containerId: string; ip: string }> {
  const cfg = podConfig(name, extra);
  const { pod_sandbox_id: sandboxId } = await client.call("RunPodSandbox", { config: cfg });
  const { container_id: containerId } = await client.call("CreateContainer", {
    pod_sandbox_id: sandboxId,
    sandbox_config: cfg,
    config: { metadata: { name: "web", attempt: 0 }, image: { image: "busybox" }, command: ["sh", "-c", `mkdir -p /www && echo ${name} > /www/index.html && exec httpd -f -p 80 -h /www`] },
  });
  await client.call("StartContainer", { container_id: containerId });
  const { status } = await client.call("PodSandboxStatus", { pod_sandbox_id: sandboxId });
  return { sandboxId, containerId, ip: status.network.ip };
}

async function fetchFrom(containerId: string, ip: string): Promise<string> {
  for (let i = 0; ; i++) {
    const out = await client.call("ExecSync", { container_id: containerId, cmd: ["wget", "-q", "-O-", `http://${ip}/`], timeout: 10 });
    if (out.exit_code === 0 || i >= 20) return out.stdout.toString().trim();
    await new Promise((r) => setTimeout(r, 250));
  }
}

const networkReady = async () => (await client.call("Status")).status.conditions.find((c: { type: string }) => c.type === "NetworkReady");

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "kates-podnet-shim-"));
  options = testShimOptions(dir, SHIM_ID, 1);
  await startShim();
  await client.call("PullImage", { image: { image: "busybox" } });
});

afterAll(async () => {
  client?.close();
  await shim?.stop(true);
  removeShimObjects(SHIM_ID);
  await rm(dir, { recursive: true, force: true });
});

describe("the shim's pod network", () => {
  let a: { sandboxId: string; containerId: string; ip: string };
  let b: { sandboxId: string; containerId: string; ip: string };

  it("reports NetworkReady=false until it has a pod CIDR", async () => {
    expect(await networkReady()).toMatchObject({ status: false, reason: "NoPodCIDR" });
  });

  it("creates a bridge on the pod CIDR with Docker's masquerade off", async () => {
    await client.call("UpdateRuntimeConfig", { runtime_config: { network_config: { pod_cidr: CIDR.cidr } } });
    expect(await networkReady()).toMatchObject({ status: true });
    const net = JSON.parse(execFileSync("docker", ["network", "inspect", `kates-pods-${SHIM_ID}`], { encoding: "utf8" }))[0];
    expect(net.IPAM.Config[0]).toMatchObject({ Subnet: CIDR.cidr, Gateway: CIDR.gateway });
    expect(net.Options["com.docker.network.bridge.enable_ip_masquerade"]).toBe("false");
    expect(net.Options["com.docker.network.bridge.name"]).toBe(podBridgeName(SHIM_ID));
    expect(net.Labels["io.kates.shim"]).toBe(SHIM_ID);
    // Idempotent: the same CIDR again keeps the same network.
    await client.call("UpdateRuntimeConfig", { runtime_config: { network_config: { pod_cidr: CIDR.cidr } } });
    const again = JSON.parse(execFileSync("docker", ["network", "inspect", `kates-pods-${SHIM_ID}`], { encoding: "utf8" }))[0];
    expect(again.Id).toBe(net.Id);
  });

  it("refills the sandbox pool on the pod network", async () => {
    await shim.pool!.waitFull(30_000);
    const ids = execFileSync("docker", ["ps", "-q", "--filter", `label=io.kates.shim=${SHIM_ID}`, "--filter", "label=io.kates.type=pool"], { encoding: "utf8" }).split("\n").filter(Boolean);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(dockerInspect(id).HostConfig.NetworkMode).toBe(`kates-pods-${SHIM_ID}`);
  });

  it("gives pooled and fresh sandboxes pod IPs that reach each other, with the pod's resolv.conf", async () => {
    a = await webPod("pa"); // pooled
    // A sysctl makes a pod ineligible for the pool: this one gets a freshly created sandbox.
    b = await webPod("pb", { linux: { cgroup_parent: "", sysctls: { "net.ipv4.ip_unprivileged_port_start": "0" } } });
    expect(dockerInspect(b.sandboxId).Name).not.toMatch(/kates_pool/);
    for (const p of [a, b]) expect(inCIDR(p.ip, CIDR.cidr), `${p.ip} in ${CIDR.cidr}`).toBe(true);
    expect(a.ip).not.toBe(b.ip);
    expect(await fetchFrom(a.containerId, b.ip)).toBe("pb");
    expect(await fetchFrom(b.containerId, a.ip)).toBe("pa");
    for (const p of [a, b]) {
      const conf = await client.call("ExecSync", { container_id: p.containerId, cmd: ["cat", "/etc/resolv.conf"], timeout: 10 });
      expect(conf.stdout.toString()).toContain("nameserver 10.96.0.10");
    }
  });

  it("forwards a port to the pod IP", async () => {
    const call = client.runtime.PortForward();
    const body = await new Promise<string>((resolve, reject) => {
      const parts: Buffer[] = [];
      call.on("data", (m: { data: Buffer }) => parts.push(m.data));
      call.on("end", () => resolve(Buffer.concat(parts).toString()));
      call.on("error", reject);
      call.write({ start: { pod_sandbox_id: b.sandboxId, port: 80 } });
      call.write({ data: Buffer.from("GET / HTTP/1.0\r\nHost: x\r\n\r\n") });
    });
    expect(body).toContain("pb");
  });

  it("adopts its network after a restart: ready at once, sandboxes keep their IPs", async () => {
    await stopShim();
    await startShim();
    expect(await networkReady()).toMatchObject({ status: true });
    const { status } = await client.call("PodSandboxStatus", { pod_sandbox_id: a.sandboxId });
    expect(status.network.ip).toBe(a.ip);
    const c = await webPod("pc");
    expect(inCIDR(c.ip, CIDR.cidr)).toBe(true);
    expect(await fetchFrom(c.containerId, a.ip)).toBe("pa");
    await client.call("StopPodSandbox", { pod_sandbox_id: c.sandboxId });
    await client.call("RemovePodSandbox", { pod_sandbox_id: c.sandboxId });
  });

  it("refuses a new pod CIDR while sandboxes use the network, and applies it once they are gone", async () => {
    const other = randomPodCIDR(CIDR.octet);
    const err = await client.call("UpdateRuntimeConfig", { runtime_config: { network_config: { pod_cidr: other.cidr } } }).catch((e) => e);
    expect(err.code).toBe(Status.FAILED_PRECONDITION);
    for (const p of [a, b]) {
      await client.call("StopPodSandbox", { pod_sandbox_id: p.sandboxId });
      await client.call("RemovePodSandbox", { pod_sandbox_id: p.sandboxId });
    }
    await client.call("UpdateRuntimeConfig", { runtime_config: { network_config: { pod_cidr: other.cidr } } });
    const net = JSON.parse(execFileSync("docker", ["network", "inspect", `kates-pods-${SHIM_ID}`], { encoding: "utf8" }))[0];
    expect(net.IPAM.Config[0].Subnet).toBe(other.cidr);
    const d = await webPod("pd");
    expect(inCIDR(d.ip, other.cidr)).toBe(true);
  });
});
