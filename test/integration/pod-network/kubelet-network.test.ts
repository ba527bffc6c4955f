/**
 * The host-gw pod network end to end on this machine's Docker: two nodes (a shim + kubelet
 * each, sharing the engine, different podCIDRs so two bridges) whose pods get IPs from their
 * node's podCIDR and reach each other by pod IP, on the same bridge and across bridges; a
 * pod waits (Node NotReady) until its node has a podCIDR; and a fake remote node (a network
 * namespace of ours behind a veth) gets a route that carries pod traffic without NAT, and
 * loses it when its Node goes. Our routes use a random protocol number so concurrent
 * kubelets elsewhere on the machine never touch them.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type Node, type Pod } from "@kates/api";
import { RestClient } from "@kates/client";
import { REPO_ROOT } from "../../harness/apiserver.js";
import { startControlPlane, type ControlPlane } from "../../harness/control-plane.js";
import { kubectl } from "../../harness/kubectl.js";
import { freePort } from "../../harness/ports.js";
import { OutputTail, terminate, trackChild } from "../../harness/processes.js";
import { inCIDR, randomPodCIDR, removeShimObjects } from "./net-helpers.js";

const PID = process.pid;
const PROTO = 150 + Math.floor(Math.random() * 50);
const cidrA = randomPodCIDR();
const cidrB = randomPodCIDR(cidrA.octet);
const cidrRemote = (() => {
  let c;
  do c = randomPodCIDR(cidrA.octet);
  while (c.octet === cidrB.octet);
  return c;
})();
/** The fake remote node: a netns behind a veth pair, on a /30 no route of this machine covers yet. */
const LINK = freeLinkNet();
const NETNS = `kpn${PID}`;
const VETH = `kpnh${PID % 100000}`;
const HOST_SIDE = `${LINK}.1`;
const REMOTE_IP = `${LINK}.2`;
const REMOTE_POD_IP = cidrRemote.gateway.replace(/\.1$/, ".5");

/** "10.25X.Y.0" prefix of a /30 that overlaps no existing route (other suites make bridges in 10.250.x too). */
function freeLinkNet(): string {
  const dsts = (JSON.parse(execFileSync("ip", ["-j", "-4", "route", "show", "table", "all"], { encoding: "utf8" })) as { dst: string }[])
    .map((r) => r.dst).filter((d) => d && d !== "default").map((d) => (d.includes("/") ? d : `${d}/32`));
  for (;;) {
    const base = `10.${250 + Math.floor(Math.random() * 4)}.${1 + Math.floor(Math.random() * 250)}`;
    const net = `${base}.0`;
    if (!dsts.some((d) => inCIDR(net, d) || inCIDR(d.split("/")[0]!, `${net}/30`))) return base;
  }
}

const dir = mkdtempSync(join(tmpdir(), "kates-podnet-"));
let cp: ControlPlane;
let rest: RestClient;
const children: ChildProcess[] = [];
const kubelets = new Map<string, ChildProcess>();
const kubeletArgs = new Map<string, string[]>();
const logs = new Map<string, OutputTail>();
let chainsExisted = false;
let ipForwardWas = "1";

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: "utf8" });
const tryRun = (cmd: string, args: string[]) => {
  try {
    return sh(cmd, args);
  } catch {
    return undefined;
  }
};
const nodes = () => rest.resource<Node>(findResource("", "v1", "nodes")!);
const pods = () => rest.resource<Pod>(findResource("", "v1", "pods")!, "default");
const k = (args: string[]) => kubectl(["--request-timeout=30s", ...args], { server: cp.url, timeoutMs: 45_000 });
const ourRoutes = () => sh("ip", ["-4", "route", "show", "proto", String(PROTO)]);

async function until<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await Promise.resolve(fn()).catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function daemon(name: string, main: string, args: string[]): ChildProcess {
  const child = spawn(process.execPath, [resolve(REPO_ROOT, main), ...args], { stdio: ["ignore", "pipe", "pipe"] });
  trackChild(child);
  children.push(child);
  const tail = new OutputTail(100_000);
  logs.set(name, tail);
  child.stdout?.on("data", (c: Buffer) => tail.push(c));
  child.stderr?.on("data", (c: Buffer) => tail.push(c));
  return child;
}

const logTail = () => [...logs].map(([n, t]) => `--- ${n} ---\n${t.toString().slice(-2500)}`).join("\n");

async function startNode(name: string): Promise<void> {
  const sock = join(dir, `${name}.sock`);
  daemon(`shim-${name}`, "packages/runtime-shim/dist/main.js", [`--listen=unix://${sock}`, `--shim-id=podnet-${name}-${PID}`, `--state-dir=${join(dir, `${name}-shim`)}`, "--sandbox-pool-size=1", "--log-level=warn"]);
  kubeletArgs.set(name, [
    `--server=${cp.url}`, `--node-name=${name}`, `--port=${await freePort()}`, `--runtime-endpoint=unix://${sock}`,
    `--root-dir=${join(dir, `${name}-kubelet`)}`, "--pod-network=host-gw", `--pod-network-route-protocol=${PROTO}`, "--pleg-relist-period=500ms",
  ]);
  startKubelet(name);
}

function startKubelet(name: string): void {
  kubelets.set(name, daemon(`kubelet-${name}`, "packages/kubelet/dist/main.js", kubeletArgs.get(name)!));
}

/** wget from inside a pod's container with docker exec (works while its kubelet is down). */
function dockerFetch(pod: string, url: string): string {
  const id = sh("docker", ["ps", "-q", "--filter", `label=io.kubernetes.pod.name=${pod}`, "--filter", "label=io.kubernetes.container.name=web", "--filter", `label=io.kates.shim=podnet-pna-${PID}`]).trim().split("\n")[0]!;
  return sh("docker", ["exec", id, "wget", "-q", "-O-", url]).trim();
}

async function setPodCIDR(name: string, cidr: string): Promise<void> {
  const node = await until(() => nodes().get(name), 30_000, () => `node ${name} registered\n${logTail()}`);
  expect(node.spec?.podCIDR).toBeUndefined();
  await nodes().patch(name, { spec: { podCIDR: cidr, podCIDRs: [cidr] } });
}

const webPod = (name: string, node: string): Pod => ({
  apiVersion: "v1", kind: "Pod", metadata: { name, labels: { test: "podnet" } },
  spec: {
    nodeName: node, terminationGracePeriodSeconds: 0,
    containers: [{ name: "web", image: "busybox", imagePullPolicy: "IfNotPresent", command: ["sh", "-c", `mkdir -p /www && echo ${name} > /www/index.html && exec httpd -f -p 80 -h /www`] }],
  },
} as Pod);

const runningIP = (name: string) => until(async () => {
  const p = await pods().get(name);
  return p.status?.phase === "Running" && p.status.podIP ? p.status.podIP : undefined;
}, 90_000, () => `pod ${name} Running\n${logTail()}`);

/** wget from inside a pod (kubectl exec), retried briefly. */
async function fetchFrom(pod: string, url: string): Promise<string> {
  let last = "";
  for (let i = 0; i < 20; i++) {
    const r = await k(["exec", pod, "--", "wget", "-q", "-O-", url]);
    if (r.code === 0) return r.stdout.trim();
    last = r.stderr;
    await new Promise((res) => setTimeout(res, 500));
  }
  throw new Error(`wget ${url} from ${pod} failed: ${last}`);
}

function setUpRemoteNamespace(): void {
  sh("ip", ["netns", "add", NETNS]);
  sh("ip", ["link", "add", VETH, "type", "veth", "peer", "name", "eth0", "netns", NETNS]);
  sh("ip", ["addr", "add", `${HOST_SIDE}/30`, "dev", VETH]);
  sh("ip", ["link", "set", VETH, "up"]);
  const ns = (...a: string[]) => sh("ip", ["netns", "exec", NETNS, ...a]);
  ns("ip", "addr", "add", `${REMOTE_IP}/30`, "dev", "eth0");
  ns("ip", "link", "set", "eth0", "up");
  ns("ip", "link", "set", "lo", "up");
  // A "pod" on the remote node, and the remote node's route back to the cluster.
  ns("ip", "addr", "add", `${REMOTE_POD_IP}/32`, "dev", "lo");
  ns("ip", "route", "add", "10.244.0.0/16", "via", HOST_SIDE);
  // Servers that answer with the address they saw the client come from.
  const server = "require('http').createServer((q, s) => s.end(q.socket.remoteAddress + '\\n')).listen(8080, process.argv[1])";
  for (const addr of [REMOTE_POD_IP, REMOTE_IP]) {
    const child = spawn("ip", ["netns", "exec", NETNS, process.execPath, "-e", server, addr], { stdio: "ignore" });
    trackChild(child);
    children.push(child);
  }
}

beforeAll(async () => {
  chainsExisted = tryRun("iptables", ["-w", "5", "-t", "nat", "-S", "KATES-POD-MASQ"]) !== undefined;
  ipForwardWas = sh("cat", ["/proc/sys/net/ipv4/ip_forward"]).trim();
  setUpRemoteNamespace();
  cp = await startControlPlane({ name: "pod-network", etcdMembers: 1 });
  rest = new RestClient({ server: cp.url, userAgent: "pod-network-test" });
  await startNode("pna");
  await startNode("pnb");
}, 120_000);

afterAll(async () => {
  await pods().deleteCollection({ labelSelector: "test=podnet" }).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 2000));
  for (const c of children.reverse()) await terminate(c, 10_000, "SIGTERM");
  for (const n of ["pna", "pnb"]) removeShimObjects(`podnet-${n}-${PID}`);
  // Our routes by their protocol; our chains only when they were not there before us.
  for (const line of (tryRun("ip", ["-4", "route", "show", "proto", String(PROTO)]) ?? "").split("\n").filter(Boolean)) tryRun("ip", ["route", "del", line.split(" ")[0]!, "proto", String(PROTO)]);
  if (!chainsExisted) tryRun(process.execPath, [resolve(REPO_ROOT, "packages/kubelet/dist/main.js"), "--cleanup-network", `--pod-network-route-protocol=${PROTO}`]);
  if (ipForwardWas !== "1") tryRun("sysctl", ["-w", `net.ipv4.ip_forward=${ipForwardWas}`]);
  tryRun("ip", ["link", "del", VETH]);
  tryRun("ip", ["netns", "del", NETNS]);
  rest?.close();
  await cp?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 90_000);

describe("host-gw pod network", () => {
  it("keeps a pod Pending and its Node NotReady until the node has a podCIDR", async () => {
    await until(() => nodes().get("pna"), 30_000, () => `node pna\n${logTail()}`);
    await pods().create(webPod("pa1", "pna"));
    const node = await until(async () => {
      const n = await nodes().get("pna");
      return n.status?.conditions?.find((c) => c.type === "Ready")?.message?.includes("NetworkReady=false") ? n : undefined;
    }, 30_000, () => `pna NotReady for the network\n${logTail()}`);
    expect(node.status?.conditions?.find((c) => c.type === "Ready")?.status).toBe("False");
    // A real address, not loopback, by default.
    const ip = node.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
    expect(ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(ip).not.toMatch(/^127\./);
    await new Promise((r) => setTimeout(r, 1500));
    const pod = await pods().get("pa1");
    expect(pod.status?.podIP).toBeFalsy();
    expect(pod.status?.phase ?? "Pending").toBe("Pending");
    expect((await k(["get", "events", "--field-selector", "involvedObject.name=pa1"])).stdout).toContain("NetworkNotReady");
  });

  it("gives pods IPs from their node's podCIDR once it is set, shown by kubectl -o wide", async () => {
    await setPodCIDR("pna", cidrA.cidr);
    await setPodCIDR("pnb", cidrB.cidr);
    await pods().create(webPod("pa2", "pna"));
    await pods().create(webPod("pb1", "pnb"));
    for (const n of ["pna", "pnb"]) {
      await until(async () => ((await nodes().get(n)).status?.conditions?.find((c) => c.type === "Ready")?.status === "True" ? true : undefined), 30_000, () => `${n} Ready\n${logTail()}`);
    }
    const ips = { pa1: await runningIP("pa1"), pa2: await runningIP("pa2"), pb1: await runningIP("pb1") };
    expect(inCIDR(ips.pa1, cidrA.cidr), `${ips.pa1} in ${cidrA.cidr}`).toBe(true);
    expect(inCIDR(ips.pa2, cidrA.cidr)).toBe(true);
    expect(inCIDR(ips.pb1, cidrB.cidr), `${ips.pb1} in ${cidrB.cidr}`).toBe(true);
    const wide = await k(["get", "pods", "-o", "wide", "--no-headers"]);
    for (const [name, ip] of Object.entries(ips)) expect(wide.stdout).toMatch(new RegExp(`^${name}\\s.*\\s${ip.replace(/\./g, "\\.")}\\s`, "m"));
  }, 120_000);

  it("lets pods reach each other by pod IP on one node and across nodes (two bridges)", async () => {
    const ip = async (n: string) => (await pods().get(n)).status!.podIP!;
    expect(await fetchFrom("pa1", `http://${await ip("pa2")}/`)).toBe("pa2");
    expect(await fetchFrom("pa1", `http://${await ip("pb1")}/`)).toBe("pb1");
    expect(await fetchFrom("pb1", `http://${await ip("pa1")}/`)).toBe("pa1");
    // Pods see their own pod IP.
    const own = await k(["exec", "pb1", "--", "ip", "-4", "-o", "addr", "show", "eth0"]);
    expect(own.stdout).toContain(await ip("pb1"));
  }, 60_000);

  it("routes a remote node's podCIDR via its InternalIP and carries pod traffic there without NAT", async () => {
    expect(ourRoutes()).not.toContain(cidrRemote.cidr);
    await nodes().create({ apiVersion: "v1", kind: "Node", metadata: { name: "fake-remote" }, spec: { podCIDR: cidrRemote.cidr, podCIDRs: [cidrRemote.cidr] } } as Node);
    const created = await nodes().get("fake-remote");
    await nodes().updateStatus({ ...created, status: { addresses: [{ type: "InternalIP", address: REMOTE_IP }] } });
    const route = await until(() => ourRoutes().split("\n").find((l) => l.startsWith(cidrRemote.cidr)), 15_000, () => `route to ${cidrRemote.cidr}: ${ourRoutes()}\n${logTail()}`);
    expect(route).toContain(`via ${REMOTE_IP}`);
    // Pod -> remote "pod": the remote side sees the pod's own address.
    const pa1 = (await pods().get("pa1")).status!.podIP!;
    expect(await fetchFrom("pa1", `http://${REMOTE_POD_IP}:8080/`)).toBe(pa1);
    // Pod -> an address outside the cluster CIDR: masqueraded to the host's address on that link.
    expect(await fetchFrom("pa1", `http://${REMOTE_IP}:8080/`)).toBe(HOST_SIDE);
  }, 60_000);

  it("removes the route when the remote node leaves", async () => {
    await nodes().delete("fake-remote");
    await until(() => (ourRoutes().includes(cidrRemote.cidr) ? undefined : true), 15_000, () => `route gone: ${ourRoutes()}`);
  });

  it("keeps routes and pod traffic across a kubelet restart", async () => {
    await nodes().create({ apiVersion: "v1", kind: "Node", metadata: { name: "fake-remote" }, spec: { podCIDR: cidrRemote.cidr } } as Node);
    await nodes().updateStatus({ ...(await nodes().get("fake-remote")), status: { addresses: [{ type: "InternalIP", address: REMOTE_IP }] } });
    await until(() => (ourRoutes().includes(cidrRemote.cidr) ? true : undefined), 15_000, () => `route back: ${ourRoutes()}`);
    for (const c of kubelets.values()) await terminate(c, 10_000, "SIGTERM");
    expect(ourRoutes()).toContain(cidrRemote.cidr);
    const pa1 = (await pods().get("pa1")).status!.podIP!;
    expect(dockerFetch("pa1", `http://${REMOTE_POD_IP}:8080/`)).toBe(pa1);
    startKubelet("pna");
    startKubelet("pnb");
    await until(async () => {
      const r = await k(["exec", "pa1", "--", "wget", "-q", "-O-", `http://${(await pods().get("pb1")).status!.podIP}/`]);
      return r.code === 0 ? r.stdout.trim() : undefined;
    }, 30_000, () => `pa1 -> pb1 after the restart\n${logTail()}`);
    expect((await pods().get("pa1")).status!.podIP).toBe(pa1);
    expect(ourRoutes().split("\n").filter((l) => l.startsWith(cidrRemote.cidr))).toHaveLength(1);
  }, 90_000);
});
