// kube-proxy as a real process in a network namespace (netns-lab.ts), against a real apiserver and
// etcd: Services and EndpointSlices are written through the API, traffic goes through the kernel's
// nat table to busybox httpd "pods" in their own namespaces. The host's iptables are never touched.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type EndpointSlice, type Node, type Service } from "@kates/api";
import { RestClient } from "@kates/client";
import { startControlPlane, type ControlPlane } from "../../harness/control-plane.js";
import { NetnsLab, type LabProcess } from "./netns-lab.js";
import { KUBE_PROXY_MAIN, spawnKubeProxy, untilProxy, upsertSlice } from "./proxy-process.js";

const NODE = "kp-node";

let cp: ControlPlane;
let rest: RestClient;
let lab: NetnsLab;
let apiUrl: string;
let proxy: LabProcess | undefined;

const services = () => rest.resource<Service>(findResource("", "v1", "services")!, "default");
const slices = () => rest.resource<EndpointSlice>(findResource("discovery.k8s.io", "v1", "endpointslices")!, "default");

const until = <T>(fn: () => Promise<T | undefined> | T | undefined, ms: number, what: string): Promise<T> => untilProxy(fn, ms, what, proxy);

function startProxy(...extra: string[]): LabProcess {
  proxy = spawnKubeProxy(lab, apiUrl, NODE, extra);
  return proxy;
}

async function healthz(): Promise<Record<string, number | string>> {
  const res = await fetch(`http://${lab.nodeIP}:10256/healthz`, { signal: AbortSignal.timeout(1000) }).catch((err: Error) => {
    throw new Error(`healthz: ${String(err.cause ?? err)}`);
  });
  return (await res.json()) as Record<string, number | string>;
}

async function createService(name: string, spec: Service["spec"]): Promise<Service> {
  return services().create({ apiVersion: "v1", kind: "Service", metadata: { name }, spec });
}

async function setEndpoints(service: string, ips: string[], port = 8080, nodeName?: string): Promise<void> {
  const body: EndpointSlice = {
    apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice",
    metadata: { name: `${service}-x`, labels: { "kubernetes.io/service-name": service } },
    addressType: "IPv4", endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true }, ...(nodeName && { nodeName }) })), ports: [{ name: "http", port, protocol: "TCP" }],
  };
  await upsertSlice(slices(), body);
}

/** n GETs through `url` from the node; returns how often each pod answered. */
async function spread(url: string, n: number): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const r = await lab.get(url);
    const who = r.code === 0 ? r.out.trim() : `error: ${r.out.trim()}`;
    seen[who] = (seen[who] ?? 0) + 1;
  }
  return seen;
}

/** Endpoints of Services the apiserver made itself (`kubernetes`), counted in kube-proxy's totals. */
let base = 0;
let web: Service;
let empty: Service;

beforeAll(async () => {
  cp = await startControlPlane({ name: "kube-proxy", etcdMembers: 1 });
  rest = new RestClient({ server: cp.url, userAgent: "kube-proxy-test" });
  lab = new NetnsLab().create();
  apiUrl = await lab.relayApi(cp.apiservers[0]!.port);
  const [a, b] = [lab.addPod(), lab.addPod()];
  lab.httpd(a, 8080, "pod-a\n");
  lab.httpd(b, 8080, "pod-b\n");
  const node: Node = { apiVersion: "v1", kind: "Node", metadata: { name: NODE }, status: { addresses: [{ type: "InternalIP", address: lab.nodeIP }] } };
  await rest.resource<Node>(findResource("", "v1", "nodes")!).create(node);
  web = await createService("web", { type: "NodePort", selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }] });
  await setEndpoints("web", lab.pods.map((p) => p.ip));
  base = (await slices().list()).items.filter((s) => s.metadata.labels?.["kubernetes.io/service-name"] === "kubernetes").reduce((n, s) => n + s.endpoints.length, 0);
  empty = await createService("empty", { selector: { app: "none" }, ports: [{ name: "http", port: 80, protocol: "TCP" }] });
});

afterAll(async () => {
  await proxy?.stop("SIGKILL");
  await lab?.destroy();
  rest?.close();
  await cp?.stop();
});

describe("kube-proxy in iptables mode", () => {
  it("programs KATES- chains and jumps, and balances a ClusterIP over both endpoints", async () => {
    startProxy("--sync-period", "2s");
    await until(async () => (await healthz()).lastSyncedEndpoints === base + 2, 20_000, "first sync");
    const save = lab.iptablesSave();
    expect(save).toMatch(/^-A PREROUTING -m comment --comment "kates service portals" -j KATES-SERVICES$/m);
    expect(save).toMatch(/^-A OUTPUT -m comment --comment "kates service portals" -j KATES-SERVICES$/m);
    expect(save).toMatch(/^-A POSTROUTING .* -j KATES-POSTROUTING$/m);
    expect(save).toContain(`-d ${web.spec!.clusterIP}/32 -p tcp -m tcp --dport 80`);
    for (const pod of lab.pods) expect(save).toContain(`-j DNAT --to-destination ${pod.ip}:8080`);

    const seen = await spread(`http://${web.spec!.clusterIP}/`, 30);
    expect(Object.keys(seen).sort()).toEqual(["pod-a", "pod-b"]);
    expect(Math.min(seen["pod-a"]!, seen["pod-b"]!)).toBeGreaterThanOrEqual(4);
  });

  it("answers the NodePort on the node address, from the node itself and from another host", async () => {
    const np = web.spec!.ports![0]!.nodePort!;
    const inside = await lab.get(`http://${lab.nodeIP}:${np}/`);
    expect(inside.out.trim()).toMatch(/^pod-[ab]$/);
    // From the host namespace: PREROUTING -> KATES-NODEPORTS -> DNAT, masqueraded on the way out.
    const res = await fetch(`http://${lab.nodeIP}:${np}/`, { signal: AbortSignal.timeout(3000) });
    expect((await res.text()).trim()).toMatch(/^pod-[ab]$/);
  });

  it("answers the NodePort on the node's 127.0.0.1 too (route_localnet), behind the localnet guard", async () => {
    const np = web.spec!.ports![0]!.nodePort!;
    const local = await lab.get(`http://127.0.0.1:${np}/`);
    expect(local.out.trim()).toMatch(/^pod-[ab]$/);
    expect(lab.sysctl("net.ipv4.conf.all.route_localnet")).toBe("1");
    expect(lab.iptablesSave()).toMatch(/-A KATES-FIREWALL ! -s 127\.0\.0\.0\/8 -d 127\.0\.0\.0\/8 .* -j DROP/);
  });

  it("refuses connections to a Service without endpoints at once", async () => {
    const r = await lab.get(`http://${empty.spec!.clusterIP}/`);
    expect(r.code).toBe(7); // curl: could not connect (refused), not 28 (timed out)
    expect(r.ms).toBeLessThan(1000);
    expect(lab.iptablesSave()).toContain(`-A KATES-SERVICES -d ${empty.spec!.clusterIP}/32 -p tcp -m tcp --dport 80 -m comment --comment "default/empty:http has no endpoints" -j REJECT`);
  });

  it("follows endpoint changes: one endpoint left gets all traffic", async () => {
    await setEndpoints("web", [lab.pods[0]!.ip]);
    await until(async () => (await healthz()).lastSyncedEndpoints === base + 1, 10_000, "endpoint removal");
    expect(await spread(`http://${web.spec!.clusterIP}/`, 10)).toEqual({ "pod-a": 10 });
    await setEndpoints("web", lab.pods.map((p) => p.ip));
    await until(async () => (await healthz()).lastSyncedEndpoints === base + 2, 10_000, "endpoint back");
  });

  it("pins a client to one endpoint with sessionAffinity ClientIP", async () => {
    const sticky = await createService("sticky", { selector: { app: "web" }, sessionAffinity: "ClientIP", ports: [{ name: "http", port: 80, protocol: "TCP" }] });
    await setEndpoints("sticky", lab.pods.map((p) => p.ip));
    await until(async () => (await healthz()).lastSyncedEndpoints === base + 4, 10_000, "sticky service");
    const seen = await spread(`http://${sticky.spec!.clusterIP}/`, 12);
    expect(Object.values(seen)).toEqual([12]);
  });

  it("externalTrafficPolicy Local: the NodePort keeps the client's address and answers only with a local endpoint", async () => {
    const pod = lab.pods[0]!;
    // Connection: close, so every request is a new connection that meets the current rules (an established one keeps its DNAT).
    const server = `require("node:http").createServer((q, s) => s.writeHead(200, { connection: "close" }).end(q.socket.remoteAddress + "\\n")).listen(8081, "0.0.0.0")`;
    const echo = lab.spawnIn(pod.ns, [process.execPath, "-e", server]);
    const local = await createService("local", { type: "NodePort", externalTrafficPolicy: "Local", selector: { app: "local" }, ports: [{ name: "http", port: 80, targetPort: 8081, protocol: "TCP" }] });
    const url = `http://${lab.nodeIP}:${local.spec!.ports![0]!.nodePort}/`;
    try {
      await setEndpoints("local", [pod.ip], 8081, NODE);
      await until(async () => (await healthz()).lastSyncedEndpoints === base + 5, 10_000, "local service");
      // From the host, another machine to the node: the pod sees the host's address, not a masqueraded one.
      const from = await until(async () => (await fetch(url, { signal: AbortSignal.timeout(2000) })).text(), 10_000, "echo pod via the NodePort");
      expect(from.trim()).toBe(lab.hostIP);

      // The only endpoint on another node: outside traffic is dropped, the node's own still gets through.
      await setEndpoints("local", [pod.ip], 8081, "some-other-node");
      await until(() => lab.iptablesSave().includes(`"default/local:http has no local endpoints" -j DROP`) || undefined, 10_000, "no-local-endpoints rules");
      await expect(fetch(url, { signal: AbortSignal.timeout(1500) })).rejects.toThrow();
      expect((await lab.get(url)).code).toBe(0);
    } finally {
      // Later tests count endpoints: leave the cluster as this test found it.
      await services().delete("local");
      await slices().delete("local-x").catch(() => undefined);
      await echo.stop();
      await until(async () => (await healthz()).lastSyncedEndpoints === base + 4, 10_000, "local service removed");
    }
  });

  it("puts back rules someone removed, at the next resync", async () => {
    const before = Number((await healthz()).repairs);
    await lab.execInNode(["iptables", "-t", "nat", "-D", "OUTPUT", "-m", "comment", "--comment", "kates service portals", "-j", "KATES-SERVICES"]);
    await lab.execInNode(["iptables", "-t", "nat", "-F", "KATES-NODEPORTS"]);
    await until(async () => Number((await healthz()).repairs) > before, 10_000, "repair");
    expect(lab.iptablesSave()).toMatch(/^-A OUTPUT -m comment --comment "kates service portals" -j KATES-SERVICES$/m);
    expect((await lab.get(`http://${lab.nodeIP}:${web.spec!.ports![0]!.nodePort}/`)).code).toBe(0);
  });

  it("keeps traffic flowing across a restart, and a restart with nothing changed writes nothing", async () => {
    await proxy!.stop("SIGTERM");
    expect(proxy!.child.exitCode).toBe(0);
    expect((await lab.get(`http://${web.spec!.clusterIP}/`)).code).toBe(0); // rules outlive the process
    const p = startProxy();
    await until(async () => Number((await healthz()).syncs) >= 1, 20_000, "sync after restart");
    const h = await healthz();
    expect(h.applies).toBe(0);
    expect(h.skipped).toBeGreaterThanOrEqual(1);
    expect(p.output.toString()).toContain("kernel already holds the rendered ruleset; nothing applied");
    expect((await lab.get(`http://${web.spec!.clusterIP}/`)).code).toBe(0);
    // ...and a change after the restart is applied as usual.
    await services().delete("sticky");
    await until(async () => (await healthz()).lastSyncedEndpoints === base + 2 && Number((await healthz()).applies) === 1, 10_000, "apply after restart");
  });

  it("--cleanup removes every jump and KATES- chain", async () => {
    await proxy!.stop("SIGTERM");
    const c = lab.spawnIn(lab.node, [process.execPath, KUBE_PROXY_MAIN, "--cleanup"]);
    await new Promise((r) => c.child.once("exit", r));
    expect(c.child.exitCode).toBe(0);
    expect(lab.iptablesSave()).not.toContain("KATES");
    expect(lab.sysctl("net.ipv4.conf.all.route_localnet")).toBe("0");
    const r = await lab.get(`http://${web.spec!.clusterIP}/`);
    expect(r.code).not.toBe(0);
  });
});

describe("kube-proxy in userspace mode", () => {
  it("proxies ClusterIP and NodePort through Node sockets, balanced, and removes its addresses on exit", async () => {
    const p = startProxy("--proxy-mode", "userspace");
    await until(async () => (await healthz()).lastSyncedEndpoints === base + 2, 20_000, "userspace sync");
    expect((await healthz()).mode).toBe("userspace");
    expect(lab.iptablesSave()).not.toContain("KATES");
    const addrs = (await lab.execInNode(["ip", "-4", "addr", "show", "dev", "lo"])).out;
    expect(addrs).toContain(`${web.spec!.clusterIP}/32`);

    const seen = await spread(`http://${web.spec!.clusterIP}/`, 10);
    expect(seen).toEqual({ "pod-a": 5, "pod-b": 5 }); // round robin
    expect((await lab.get(`http://${lab.nodeIP}:${web.spec!.ports![0]!.nodePort}/`)).out.trim()).toMatch(/^pod-[ab]$/);
    const refused = await lab.get(`http://${empty.spec!.clusterIP}/`);
    expect([7, 56]).toContain(refused.code); // refused, or accepted and reset at once

    expect(refused.ms).toBeLessThan(1000);

    await p.stop("SIGTERM");
    expect((await lab.execInNode(["ip", "-4", "addr", "show", "dev", "lo"])).out).not.toContain(`${web.spec!.clusterIP}/32`);
  });

  it("is chosen automatically when iptables-restore is missing", async () => {
    // PATH without /usr/sbin (iptables-restore) but with ip.
    const p = lab.spawnIn(lab.node, [process.execPath, KUBE_PROXY_MAIN, "--server", apiUrl, "--hostname-override", NODE], { PATH: "/usr/bin:/bin" });
    proxy = p;
    await until(async () => (await healthz()).mode === "userspace" && Number((await healthz()).syncs) >= 1, 20_000, "fallback");
    expect(p.output.toString()).toContain("falling back to the userspace proxy");
    expect((await lab.get(`http://${web.spec!.clusterIP}/`)).code).toBe(0);
    await p.stop("SIGTERM");
  });
});
