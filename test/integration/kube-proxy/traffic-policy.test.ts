// internalTrafficPolicy Local and healthCheckNodePort with kube-proxy as a real process in a
// network namespace (netns-lab.ts) against a real apiserver and etcd. Pod a counts as running on
// kube-proxy's node, pod b on another node (their EndpointSlice nodeName says so); a pod client
// routed through the node plays a pod, the host namespace an outside load balancer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type EndpointSlice, type Node, type Service } from "@kates/api";
import { RestClient } from "@kates/client";
import { startControlPlane, type ControlPlane } from "../../harness/control-plane.js";
import { NetnsLab, curlIn, type LabProcess, type PodNs } from "./netns-lab.js";
import { spawnKubeProxy, untilProxy, upsertSlice } from "./proxy-process.js";

const NODE = "kp-node";
const OTHER = "other-node";

let cp: ControlPlane;
let rest: RestClient;
let lab: NetnsLab;
let apiUrl: string;
let proxy: LabProcess | undefined;
let a: PodNs;
let b: PodNs;
let podClient: PodNs;

const services = () => rest.resource<Service>(findResource("", "v1", "services")!, "default");
const slices = () => rest.resource<EndpointSlice>(findResource("discovery.k8s.io", "v1", "endpointslices")!, "default");

const until = <T>(fn: () => Promise<T | undefined> | T | undefined, ms: number, what: string): Promise<T> => untilProxy(fn, ms, what, proxy);

function startProxy(...extra: string[]): LabProcess {
  proxy = spawnKubeProxy(lab, apiUrl, NODE, extra);
  return proxy;
}

/** Writes the Service's one EndpointSlice: each pod with the node it claims to run on. */
async function setEndpoints(service: string, eps: { pod: PodNs; node: string }[], port = 8080): Promise<void> {
  const body: EndpointSlice = {
    apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice",
    metadata: { name: `${service}-x`, labels: { "kubernetes.io/service-name": service } },
    addressType: "IPv4", endpoints: eps.map((e) => ({ addresses: [e.pod.ip], conditions: { ready: true }, nodeName: e.node })), ports: [{ name: "http", port, protocol: "TCP" }],
  };
  await upsertSlice(slices(), body);
}

/** Which pods answered n GETs of `url` from namespace `ns`. */
async function spread(ns: string, url: string, n: number): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const r = await curlIn(ns, url);
    const who = r.code === 0 ? r.out.trim() : `error ${r.code}: ${r.out.trim()}`;
    seen[who] = (seen[who] ?? 0) + 1;
  }
  return seen;
}

/** GET of the health check port from the host namespace (an outside load balancer). */
async function probe(port: number): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://${lab.nodeIP}:${port}/`, { signal: AbortSignal.timeout(2000) });
  return { status: res.status, body: await res.json() };
}

beforeAll(async () => {
  cp = await startControlPlane({ name: "kube-proxy-policy", etcdMembers: 1 });
  rest = new RestClient({ server: cp.url, userAgent: "kube-proxy-policy-test" });
  lab = new NetnsLab().create();
  apiUrl = await lab.relayApi(cp.apiservers[0]!.port);
  [a, b] = [lab.addPod(), lab.addPod()];
  podClient = lab.addPodClient(0);
  lab.httpd(a, 8080, "pod-a\n");
  lab.httpd(b, 8080, "pod-b\n");
  const node: Node = { apiVersion: "v1", kind: "Node", metadata: { name: NODE }, status: { addresses: [{ type: "InternalIP", address: lab.nodeIP }] } };
  await rest.resource<Node>(findResource("", "v1", "nodes")!).create(node);
  startProxy();
});

afterAll(async () => {
  await proxy?.stop("SIGKILL");
  await lab?.destroy();
  rest?.close();
  await cp?.stop();
});

describe("internalTrafficPolicy Local", () => {
  let svc: Service;

  it("sends ClusterIP traffic from pods and from the node only to the endpoint on this node", async () => {
    svc = await services().create({ apiVersion: "v1", kind: "Service", metadata: { name: "itp" }, spec: { internalTrafficPolicy: "Local", selector: { app: "itp" }, ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }] } });
    await setEndpoints("itp", [{ pod: a, node: NODE }, { pod: b, node: OTHER }]);
    const url = `http://${svc.spec!.clusterIP}/`;
    await until(async () => (await curlIn(podClient.ns, url)).code === 0, 20_000, "itp ClusterIP");
    expect(await spread(podClient.ns, url, 12)).toEqual({ "pod-a": 12 });
    expect(await spread(lab.node, url, 6)).toEqual({ "pod-a": 6 });
    expect(lab.iptablesSave()).toMatch(/^-A KATES-SERVICES -d [\d.]+\/32 -p tcp -m tcp --dport 80 -m comment --comment "default\/itp:http cluster IP" -j KATES-SVL-/m);
  });

  it("drops ClusterIP traffic when the only endpoints run elsewhere: the connection times out, it is not refused", async () => {
    await setEndpoints("itp", [{ pod: b, node: OTHER }]);
    await until(() => lab.iptablesSave().includes(`"default/itp:http has no local endpoints" -j DROP`) || undefined, 10_000, "no-local-endpoints DROP");
    const r = await curlIn(podClient.ns, `http://${svc.spec!.clusterIP}/`, 2);
    expect(r.code).toBe(28); // timed out (7 would be refused, as for a Service without endpoints)
    expect(r.ms).toBeGreaterThan(1500);
    expect(lab.iptablesSave()).not.toContain(`"default/itp:http has no endpoints"`);
    // Cluster policy again: every endpoint, the remote one included.
    await services().patch("itp", { spec: { internalTrafficPolicy: "Cluster" } }, "merge");
    await until(async () => (await curlIn(podClient.ns, `http://${svc.spec!.clusterIP}/`)).out.trim() === "pod-b" || undefined, 10_000, "Cluster policy");
    await services().delete("itp");
  });
});

describe("healthCheckNodePort", () => {
  let hc: number;

  it("answers 200 with the local endpoint count from outside and from the node", async () => {
    const svc = await services().create({ apiVersion: "v1", kind: "Service", metadata: { name: "lb" }, spec: { type: "LoadBalancer", externalTrafficPolicy: "Local", selector: { app: "lb" }, ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }] } });
    hc = svc.spec!.healthCheckNodePort!;
    expect(hc).toBeGreaterThanOrEqual(30000);
    await setEndpoints("lb", [{ pod: a, node: NODE }, { pod: b, node: OTHER }]);
    const ok = await until(async () => {
      const r = await probe(hc);
      return r.status === 200 ? r : undefined;
    }, 20_000, "health check port 200");
    expect(ok.body).toEqual({ service: { namespace: "default", name: "lb" }, localEndpoints: 1, serviceProxyHealthy: true });
    const inside = await lab.get(`http://127.0.0.1:${hc}/`);
    expect(JSON.parse(inside.out)).toMatchObject({ localEndpoints: 1 });
  });

  it("answers 503 once the local endpoint is gone, and stops listening when the Service is deleted", async () => {
    await setEndpoints("lb", [{ pod: b, node: OTHER }]);
    const down = await until(async () => {
      const r = await probe(hc);
      return r.status === 503 ? r : undefined;
    }, 10_000, "health check port 503");
    expect(down.body).toEqual({ service: { namespace: "default", name: "lb" }, localEndpoints: 0, serviceProxyHealthy: true });
    await services().delete("lb");
    await until(async () => (await probe(hc).then(() => false, () => true)) || undefined, 10_000, "health check port closed");
    const r = await curlIn(lab.node, `http://127.0.0.1:${hc}/`);
    expect(r.code).toBe(7); // refused: nothing listens any more
    await slices().delete("lb-x");
  });

  it("is served in userspace mode too", async () => {
    await proxy!.stop("SIGTERM");
    startProxy("--proxy-mode", "userspace");
    const svc = await services().create({ apiVersion: "v1", kind: "Service", metadata: { name: "lb2" }, spec: { type: "LoadBalancer", externalTrafficPolicy: "Local", selector: { app: "lb2" }, ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }] } });
    await setEndpoints("lb2", [{ pod: a, node: NODE }]);
    const ok = await until(async () => {
      const r = await probe(svc.spec!.healthCheckNodePort!);
      return r.status === 200 ? r : undefined;
    }, 20_000, "userspace health check port 200");
    expect(ok.body).toMatchObject({ service: { name: "lb2" }, localEndpoints: 1 });
    await proxy!.stop("SIGTERM");
  });
});
