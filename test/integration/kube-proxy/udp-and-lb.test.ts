// Two kube-proxy paths with real traffic, kube-proxy running as a process in a lab node namespace
// (netns-lab.ts) against a real apiserver and etcd:
// - UDP and stale conntrack: a client keeps one UDP flow (one fixed source port) alive through a
//   ClusterIP; when the EndpointSlice swaps pod A for pod B, kube-proxy's `conntrack -D` must move
//   the flow to B within seconds (without it the kernel's entry keeps sending to A, which still answers).
// - LoadBalancer with loadBalancerSourceRanges: the ingress IP (set through the status subresource)
//   lets only the listed client through (KATES-FW chain), the other is dropped (filter DROP: a
//   timeout, not a refusal); once the ranges are cleared, every client gets through.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type EndpointSlice, type Node, type Service } from "@kates/api";
import { RestClient } from "@kates/client";
import { startControlPlane, type ControlPlane } from "../../harness/control-plane.js";
import { NetnsLab, curlIn, type LabProcess, type PodNs } from "./netns-lab.js";
import { spawnKubeProxy, untilProxy, upsertSlice } from "./proxy-process.js";

const NODE = "kp-node";
/** The LoadBalancer address: local on the node (as a MetalLB-style speaker would make it), so a packet that escaped the DROP would be refused by the node, never routed off the lab. */
const LB_IP = "172.31.254.100";

let cp: ControlPlane;
let rest: RestClient;
let lab: NetnsLab;
let apiUrl: string;
let proxy: LabProcess | undefined;
let a: PodNs;
let b: PodNs;
let client0: string;
let client1: string;

const services = () => rest.resource<Service>(findResource("", "v1", "services")!, "default");
const slices = () => rest.resource<EndpointSlice>(findResource("discovery.k8s.io", "v1", "endpointslices")!, "default");

const until = <T>(fn: () => Promise<T | undefined> | T | undefined, ms: number, what: string): Promise<T> => untilProxy(fn, ms, what, proxy);

async function healthz(): Promise<Record<string, unknown>> {
  const res = await fetch(`http://${lab.nodeIP}:10256/healthz`, { signal: AbortSignal.timeout(1000) });
  return (await res.json()) as Record<string, unknown>;
}

/** Writes the Service's one EndpointSlice with the given pods on one named port. */
async function setEndpoints(service: string, pods: PodNs[], port: { name: string; port: number; protocol: "TCP" | "UDP" }): Promise<void> {
  const body: EndpointSlice = {
    apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice",
    metadata: { name: `${service}-x`, labels: { "kubernetes.io/service-name": service } },
    addressType: "IPv4", endpoints: pods.map((p) => ({ addresses: [p.ip], conditions: { ready: true }, nodeName: NODE })), ports: [port],
  };
  await upsertSlice(slices(), body);
}

beforeAll(async () => {
  cp = await startControlPlane({ name: "kube-proxy-udp-lb", etcdMembers: 1 });
  rest = new RestClient({ server: cp.url, userAgent: "kube-proxy-udp-lb-test" });
  lab = new NetnsLab().create();
  apiUrl = await lab.relayApi(cp.apiservers[0]!.port);
  [a, b] = [lab.addPod(), lab.addPod()];
  client0 = lab.addClient(0);
  client1 = lab.addClient(1);
  lab.httpd(a, 8080, "pod-a\n");
  lab.udpEcho(a, 5353, "udp-a\n");
  lab.udpEcho(b, 5353, "udp-b\n");
  const node: Node = { apiVersion: "v1", kind: "Node", metadata: { name: NODE }, status: { addresses: [{ type: "InternalIP", address: lab.nodeIP }] } };
  await rest.resource<Node>(findResource("", "v1", "nodes")!).create(node);
  proxy = spawnKubeProxy(lab, apiUrl, NODE, []);
});

afterAll(async () => {
  await proxy?.stop("SIGKILL");
  await lab?.destroy();
  rest?.close();
  await cp?.stop();
});

describe("UDP Service", () => {
  it("moves a live UDP flow to the new endpoint when the old one is removed (stale conntrack entries deleted)", async () => {
    const svc = await services().create({ apiVersion: "v1", kind: "Service", metadata: { name: "dns" }, spec: { selector: { app: "dns" }, ports: [{ name: "dns", port: 53, targetPort: 5353, protocol: "UDP" }] } });
    const ip = svc.spec!.clusterIP!;
    const port = { name: "dns", port: 5353, protocol: "UDP" as const };
    await setEndpoints("dns", [a], port);
    await until(() => lab.iptablesSave().includes(`-j DNAT --to-destination ${a.ip}:5353`) || undefined, 20_000, "UDP rules for pod a");

    // One socket, one source port, a datagram every 100 ms: the flow's conntrack entry never goes idle.
    const script = `const s = require("node:dgram").createSocket("udp4"); s.on("error", () => {});
      s.on("message", (m) => console.log(m.toString().trim()));
      s.bind(40053, () => setInterval(() => s.send("ping", 53, ${JSON.stringify(ip)}), 100));`;
    const client = lab.spawnIn(client0, [process.execPath, "-e", script]);
    const answers = () => client.output.toString().split("\n").filter(Boolean);
    try {
      await until(() => answers().filter((l) => l === "udp-a").length >= 5 || undefined, 10_000, "answers from pod a");
      expect(answers()).not.toContain("udp-b");
      const entry = await lab.execInNode(["conntrack", "-L", "-p", "udp", "--orig-dst", ip]);
      expect(entry.out).toMatch(new RegExp(`sport=40053 dport=53 .*src=${a.ip.replace(/\./g, "\\.")} `));

      await setEndpoints("dns", [b], port);
      const seenBefore = answers().length;
      // Seconds, not the 120 s an assured UDP entry lives: only the deletion can move the flow this fast.
      await until(() => answers().slice(seenBefore).includes("udp-b") || undefined, 8_000, "answers from pod b after the endpoint swap");
      // From the switch on, B only: the old entry is gone, not merely joined by a second one.
      const switchedAt = answers().length;
      await until(() => answers().length >= switchedAt + 5 || undefined, 5_000, "more answers");
      expect(new Set(answers().slice(switchedAt))).toEqual(new Set(["udp-b"]));

      const applied = (await healthz()).lastApplied as Record<string, number>;
      expect(applied.conntrackDeletes).toBeGreaterThanOrEqual(1);
      expect(proxy!.output.toString()).toMatch(/"conntrackDeletes":\d+/);
    } finally {
      await client.stop();
    }
  });
});

describe("LoadBalancer with loadBalancerSourceRanges", () => {
  const url = `http://${LB_IP}/`;

  it("lets only the listed source reach the backend through the ingress IP; others are dropped", async () => {
    await lab.execInNode(["ip", "addr", "add", `${LB_IP}/32`, "dev", "lo"]);
    const created = await services().create({
      apiVersion: "v1", kind: "Service", metadata: { name: "lb" },
      spec: { type: "LoadBalancer", selector: { app: "lb" }, loadBalancerSourceRanges: [`${lab.clientIP(0)}/32`], ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }] },
    });
    await services().updateStatus({ ...created, status: { loadBalancer: { ingress: [{ ip: LB_IP }] } } });
    await setEndpoints("lb", [a], { name: "http", port: 8080, protocol: "TCP" });

    await until(async () => (await curlIn(client0, url)).out.trim() === "pod-a" || undefined, 20_000, "client 0 through the LoadBalancer IP");
    const save = lab.iptablesSave();
    expect(save).toMatch(new RegExp(`^-A KATES-FW-\\S+ -s ${lab.clientIP(0).replace(/\./g, "\\.")}/32 .* -j KATES-EXT-`, "m"));
    expect(save).toMatch(/^-A KATES-EXTERNAL-SERVICES -d 172\.31\.254\.100\/32 -p tcp -m tcp --dport 80 .* -j DROP$/m);

    const denied = await curlIn(client1, url, 2);
    expect(denied.code).toBe(28); // timed out: dropped (7 would mean the node itself refused it)
    expect(denied.ms).toBeGreaterThan(1500);
    expect((await curlIn(client0, url)).out.trim()).toBe("pod-a");
  });

  it("lets every client through once the source ranges are cleared", async () => {
    await services().patch("lb", { spec: { loadBalancerSourceRanges: null } }, "merge");
    await until(async () => (await curlIn(client1, url, 1)).out.trim() === "pod-a" || undefined, 10_000, "client 1 after clearing the ranges");
    expect((await curlIn(client0, url)).out.trim()).toBe("pod-a");
    expect(lab.iptablesSave()).not.toMatch(/^-A KATES-EXTERNAL-SERVICES -d 172\.31\.254\.100\/32 .* -j DROP$/m);
    expect((await services().get("lb")).status?.loadBalancer?.ingress).toEqual([{ ip: LB_IP }]);
  });
});
