// Issue 5's multi-host proofs on two Docker-in-Docker hosts sharing one cluster: pod-to-pod
// across hosts without NAT, ClusterIP balancing from every host and every host's pods,
// NodePort on every node address, readiness and scaling reflected in endpoints and traffic,
// cluster DNS names, kube-proxy restart and --cleanup, and a LoadBalancer address reachable
// from this machine.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMultiHostCluster, type MultiHostCluster } from "../../harness/dind.js";
import { clientPod, curlLoop, endpoints, inCIDR, pods, remoteAddr, until, webDeployment, webService, wgetFromPod, wgetLoop } from "./helpers.js";

let lab: MultiHostCluster;
const A = "node-a";
const B = "node-b";
let clusterIP = "";

const apply = async (...docs: string[]) => {
  const r = await lab.kubectl(["apply", "-f", "-"], { input: JSON.stringify({ apiVersion: "v1", kind: "List", items: docs.map((d) => JSON.parse(d)) }) });
  expect(r.code, r.stderr).toBe(0);
};
const readyWeb = async () => (await pods(lab, "app=web")).filter((p) => p.ready === "1/1");
const jsonpath = async (args: string[], path: string) => (await lab.kubectl(["get", ...args, "-o", `jsonpath=${path}`])).stdout.trim();

beforeAll(async () => {
  lab = await startMultiHostCluster({ name: "svc", hosts: [A, B], prePull: ["pause:3.9", "busybox:1.36"] });
  await apply(
    webDeployment("web", 3),
    webService("web", { app: "web" }),
    webDeployment("solo", 1, { nodeName: A }),
    webService("solo", { app: "solo" }, "NodePort"),
    clientPod("client-a", A),
    clientPod("client-b", B),
  );
  await until(lab, async () => (await readyWeb()).length === 3 && (await pods(lab, "role=client")).filter((p) => p.ready === "1/1").length === 2
    && (await pods(lab, "app=solo")).some((p) => p.ready === "1/1"), 180_000, "web, solo and client pods ready");
  clusterIP = await jsonpath(["svc", "web"], "{.spec.clusterIP}");
}, 600_000);

afterAll(async () => {
  await lab?.stop();
}, 120_000);

describe("pod network", () => {
  it("a pod on one host reaches a pod on the other by pod IP, which sees the client's own pod IP (no NAT)", async () => {
    const web = await readyWeb();
    for (const [client, node] of [["client-a", A], ["client-b", B]] as const) {
      const target = web.find((p) => p.node !== node);
      expect(target, `a web pod off ${node}`).toBeDefined();
      expect(await wgetFromPod(lab, client, `http://${target!.ip}:8080/`)).toBe(target!.name);
      const clientIP = (await pods(lab, "role=client")).find((p) => p.name === client)!.ip;
      expect(remoteAddr(await wgetFromPod(lab, client, `http://${target!.ip}:8080/cgi-bin/ip`))).toBe(clientIP);
      // The pod's own interface carries the IP the API reports.
      expect((await lab.kubectl(["exec", client, "--", "ip", "-4", "-o", "addr", "show", "eth0"])).stdout).toContain(`inet ${clientIP}/`);
    }
    // And from the hosts' network namespaces, across hosts.
    for (const host of lab.hosts) {
      const target = web.find((p) => p.node !== host.name)!;
      expect((await host.exec(`curl -sf -m 3 http://${target.ip}:8080/`)).stdout.trim()).toBe(target.name);
    }
  }, 120_000);
});

describe("ClusterIP Service", () => {
  it("answers from every host and from pods on every host, balancing over all ready endpoints", async () => {
    expect(inCIDR(clusterIP, "10.96.0.0/12"), clusterIP).toBe(true);
    const names = (await readyWeb()).map((p) => p.name).sort();
    await until(lab, async () => (await endpoints(lab, "web")).ready.length === 3, 30_000, "3 ready endpoints of web");
    for (const host of lab.hosts) {
      const seen = await curlLoop(host, `http://${clusterIP}/`, 30);
      expect(seen.filter((l) => l === "FAIL"), `failures from host ${host.name}`).toEqual([]);
      expect([...new Set(seen)].sort(), `backends seen from host ${host.name}`).toEqual(names);
    }
    for (const client of ["client-a", "client-b"]) {
      const seen = await wgetLoop(lab, client, `http://${clusterIP}/`, 30);
      expect(seen.filter((l) => l === "FAIL"), `failures from ${client}`).toEqual([]);
      expect([...new Set(seen)].sort(), `backends seen from ${client}`).toEqual(names);
    }
  }, 180_000);
});

describe("NodePort Service", () => {
  it("answers on every node's address from this machine, also where none of its pods runs", async () => {
    const nodePort = Number(await jsonpath(["svc", "solo"], "{.spec.ports[0].nodePort}"));
    expect(nodePort).toBeGreaterThanOrEqual(30000);
    expect(nodePort).toBeLessThanOrEqual(32767);
    const solo = (await pods(lab, "app=solo"))[0]!;
    expect(solo.node).toBe(A);
    for (const host of lab.hosts) {
      const res = await fetch(`http://${host.ip}:${nodePort}/`, { signal: AbortSignal.timeout(5_000) });
      expect(res.status, `NodePort on ${host.name}`).toBe(200);
      expect((await res.text()).trim()).toBe(solo.name);
    }
  }, 60_000);
});

describe("readiness and scaling", () => {
  it("a pod that turns not-ready leaves the endpoints and stops getting traffic, and comes back", async () => {
    const victim = (await readyWeb())[0]!;
    const start = Date.now();
    expect((await lab.kubectl(["exec", victim.name, "--", "rm", "/tmp/ready"])).code).toBe(0);
    try {
      await until(lab, async () => {
        const ep = await endpoints(lab, "web");
        return !ep.ready.includes(victim.ip) && ep.notReady.includes(victim.ip);
      }, 20_000, `${victim.ip} moved to notReadyAddresses`);
      const tookMs = Date.now() - start;
      expect(tookMs, "not-ready pod left the endpoints").toBeLessThan(10_000);
      // kube-proxy on every host follows; give it a moment past the Endpoints update.
      await new Promise((r) => setTimeout(r, 1_500));
      for (const client of ["client-a", "client-b"]) {
        const seen = await wgetLoop(lab, client, `http://${clusterIP}/`, 20);
        expect(seen.filter((l) => l === "FAIL")).toEqual([]);
        expect(seen, `${client} still reached not-ready ${victim.name}`).not.toContain(victim.name);
        expect(new Set(seen).size).toBe(2);
      }
    } finally {
      // Ready again whatever happened, so later tests start from three ready pods.
      await lab.kubectl(["exec", victim.name, "--", "touch", "/tmp/ready"]);
    }
    await until(lab, async () => (await endpoints(lab, "web")).ready.includes(victim.ip), 20_000, `${victim.ip} ready again`);
  }, 120_000);

  it("scaling the Deployment changes the endpoints and the set of backends", async () => {
    for (const replicas of [4, 2]) {
      expect((await lab.kubectl(["scale", "deployment/web", `--replicas=${replicas}`])).code).toBe(0);
      await until(lab, async () => (await readyWeb()).length === replicas && (await endpoints(lab, "web")).ready.length === replicas
        && (await endpoints(lab, "web")).notReady.length === 0, 120_000, `web at ${replicas} ready endpoints`);
      const web = await readyWeb();
      expect((await endpoints(lab, "web")).ready).toEqual(web.map((p) => p.ip).sort());
      await new Promise((r) => setTimeout(r, 1_500));
      const seen = await wgetLoop(lab, "client-b", `http://${clusterIP}/`, 10 * replicas);
      expect([...new Set(seen)].sort()).toEqual(web.map((p) => p.name).sort());
    }
  }, 300_000);
});

describe("cluster DNS", () => {
  it("a pod resolves redis, redis.default and redis.default.svc.cluster.local", async () => {
    await apply(webDeployment("redis", 1), webService("redis", { app: "redis" }));
    await until(lab, async () => (await endpoints(lab, "redis")).ready.length === 1, 120_000, "redis endpoint ready");
    const redisIP = await jsonpath(["svc", "redis"], "{.spec.clusterIP}");
    const resolv = (await lab.kubectl(["exec", "client-a", "--", "cat", "/etc/resolv.conf"])).stdout;
    expect(resolv).toContain("nameserver 10.96.0.10");
    expect(resolv).toMatch(/search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local/);
    const backend = (await pods(lab, "app=redis"))[0]!.name;
    // kube-proxy programs the new ClusterIP shortly after the endpoints appear.
    await until(lab, async () => (await wgetFromPod(lab, "client-a", `http://${redisIP}/`)) === backend, 30_000, "redis ClusterIP answers");
    const lookup = await lab.kubectl(["exec", "client-b", "--", "nslookup", "redis.default.svc.cluster.local"]);
    expect(lookup.stdout, lookup.stderr).toContain(redisIP);
    for (const client of ["client-a", "client-b"]) {
      for (const name of ["redis", "redis.default", "redis.default.svc.cluster.local"]) {
        expect(await wgetFromPod(lab, client, `http://${name}/`, 5), `${client} GET http://${name}/`).toBe(backend);
      }
    }
  }, 180_000);
});

describe("kube-proxy", () => {
  it("keeps traffic flowing while it restarts on every host", async () => {
    const before = await Promise.all(lab.hosts.map((h) => h.pid("kube-proxy")));
    expect(before.every((p) => p !== undefined), "kube-proxy runs on every host").toBe(true);
    const loop = wgetLoop(lab, "client-a", `http://${clusterIP}/`, 60);
    await new Promise((r) => setTimeout(r, 2_000));
    for (const host of lab.hosts) await host.restart("kube-proxy");
    const seen = await loop;
    expect(seen).toHaveLength(60);
    expect(seen.filter((l) => l === "FAIL"), "requests failed during the restart").toEqual([]);
    const after = await Promise.all(lab.hosts.map((h) => h.pid("kube-proxy")));
    expect(after.every((p, i) => p !== undefined && p !== before[i])).toBe(true);
  }, 180_000);

  it("--cleanup removes every rule of its own (the kubelet's pod-network chains stay), and a restart restores service", async () => {
    const host = lab.host(B);
    await host.kill("kube-proxy", "TERM");
    const cleanup = await host.exec("node /kates/packages/kube-proxy/dist/main.js --cleanup", { timeoutMs: 60_000 });
    expect(cleanup.code, cleanup.stdout + cleanup.stderr).toBe(0);
    const rules = await host.mustExec("iptables-save");
    const ours = rules.split("\n").filter((l) => /KATES-/.test(l) && !/KATES-POD-/.test(l));
    expect(ours, "kube-proxy rules left after --cleanup").toEqual([]);
    expect(rules, "the kubelet's pod-network chains are not kube-proxy's to remove").toContain("KATES-POD-FORWARD");
    expect((await curlLoop(host, `http://${clusterIP}/`, 1))[0]).toBe("FAIL");
    await host.start("kube-proxy");
    await until(lab, async () => (await curlLoop(host, `http://${clusterIP}/`, 1))[0] !== "FAIL", 30_000, "ClusterIP answers again on node-b");
  }, 120_000);
});

describe("LoadBalancer Service", () => {
  it("gets an EXTERNAL-IP from the pool, reachable from this machine through a route via a node", async () => {
    const pool = lab.features.loadBalancerPool;
    expect(pool, "the controller-manager runs with --load-balancer-ip-pool").toBeTruthy();
    await apply(webService("web-lb", { app: "web" }, "LoadBalancer"));
    let ip = "";
    await until(lab, async () => (ip = await jsonpath(["svc", "web-lb"], "{.status.loadBalancer.ingress[0].ip}")) !== "", 30_000, "EXTERNAL-IP of web-lb");
    expect(inCIDR(ip, pool!), `${ip} in ${pool}`).toBe(true);
    expect((await lab.kubectl(["get", "svc", "web-lb", "--no-headers"])).stdout).toContain(ip);
    const names = (await readyWeb()).map((p) => p.name);
    await lab.routeLoadBalancerPool(lab.host(B));
    try {
      const seen = new Set<string>();
      for (let i = 0; i < 10; i++) {
        const res = await fetch(`http://${ip}/`, { signal: AbortSignal.timeout(5_000) });
        expect(res.status).toBe(200);
        seen.add((await res.text()).trim());
      }
      expect(names).toEqual(expect.arrayContaining([...seen]));
    } finally {
      await lab.unrouteLoadBalancerPool();
    }
  }, 120_000);
});
