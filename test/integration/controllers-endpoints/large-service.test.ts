// A Service with more endpoints than fit one EndpointSlice (100 by default) or one Endpoints
// object, against the real apiserver and etcd with the controller-manager in-process. Pods
// are created directly and given a podIP and Ready through the status subresource, as a
// kubelet would. The Endpoints cap (Kubernetes' fixed 1000) is lowered in-process to 100 so
// that 150 pods suffice to cross it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type EndpointSlice, type Endpoints, type Pod, type Service } from "@kates/api";
import { RestClient } from "@kates/client";
import { startControlPlane, type ControlPlane } from "../../harness/control-plane.js";
import { startControllerManager, until, type InProcessControllerManager } from "../controllers-cluster/cluster.js";

const CAP = 100;
let cp: ControlPlane;
let rest: RestClient;
let cm: InProcessControllerManager;
const ri = (group: string, resource: string) => findResource(group, "v1", resource)!;
const pods = () => rest.resource<Pod>(ri("", "pods"), "default");
const services = () => rest.resource<Service>(ri("", "services"), "default");
const endpoints = () => rest.resource<Endpoints>(ri("", "endpoints"), "default");
const slices = () => rest.resource<EndpointSlice>(ri("discovery.k8s.io", "endpointslices"), "default");

const ipOf = (i: number) => `10.245.${Math.floor(i / 200)}.${(i % 200) + 1}`;

async function startPod(i: number): Promise<void> {
  const pod = await pods().create({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: `big-${i}`, labels: { app: "big" } },
    spec: { nodeName: "node-a", containers: [{ name: "c", image: "busybox" }] },
  });
  const ip = ipOf(i);
  pod.status = { phase: "Running", podIP: ip, podIPs: [{ ip }], conditions: [{ type: "Ready", status: "True" }] };
  await pods().updateStatus(pod);
}

/** Runs `fn` over `items`, `width` at a time (the apiserver is shared with other suites on 2 cores). */
async function inBatches<T>(items: T[], width: number, fn: (t: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += width) await Promise.all(items.slice(i, i + width).map(fn));
}

const ourSlices = async () => (await slices().list({ labelSelector: "kubernetes.io/service-name=big,endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io" })).items;
const sliceIps = (ss: EndpointSlice[]) => ss.flatMap((s) => (s.endpoints ?? []).map((e) => e.addresses[0]!)).sort();
const epIps = (ep: Endpoints) => (ep.subsets ?? []).flatMap((s) => (s.addresses ?? []).map((a) => a.ip));
const range = (n: number, from = 0) => Array.from({ length: n }, (_, k) => from + k);

beforeAll(async () => {
  cp = await startControlPlane({ name: "controllers-endpoints-large", etcdMembers: 1 });
  rest = new RestClient({ server: cp.url, userAgent: "controllers-endpoints-large-test", qps: 500, burst: 500 });
  cm = startControllerManager(cp.url, ["endpoints", "endpointslice"], { endpointsMaxCapacity: CAP });
});

afterAll(async () => {
  await cm?.stop();
  rest?.close();
  await cp?.stop();
});

describe("a Service with 150 pods", () => {
  it("spreads them over two slices, shrinks without new slices, and truncates its Endpoints while over the cap", async () => {
    // Pods first, so the controller mostly sees them at once (arriving piecemeal, the split
    // may differ from 100+50, as in Kubernetes, though it stays two slices).
    await inBatches(range(150), 15, startPod);
    await services().create({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "big" },
      spec: { selector: { app: "big" }, ports: [{ name: "http", port: 80, targetPort: 8080 }] },
    });
    const all = range(150).map(ipOf).sort();

    const full = await until(async () => {
      const ss = await ourSlices();
      return sliceIps(ss).join() === all.join() ? ss : undefined;
    }, 20_000, "150 addresses in slices");
    const svcUid = (await services().get("big")).metadata.uid;
    expect(full).toHaveLength(2);
    expect(full.every((s) => s.endpoints.length <= 100)).toBe(true);
    for (const s of full) {
      expect(s.metadata.name).toMatch(/^big-[a-z0-9]{5}$/);
      expect(s.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: "Service", name: "big", uid: svcUid, controller: true })]);
      expect(s.ports).toEqual([{ name: "http", port: 8080, protocol: "TCP" }]);
    }

    const truncated = await until(async () => {
      const e = await endpoints().get("big");
      return e.metadata.annotations?.["endpoints.kubernetes.io/over-capacity"] === "truncated" && epIps(e).length === CAP ? e : undefined;
    }, 10_000, "big Endpoints truncated to the cap");
    expect(new Set(epIps(truncated)).size).toBe(CAP);
    expect(epIps(truncated).every((ip) => all.includes(ip))).toBe(true);

    // 60 pods go: their addresses leave the slices holding them; no slice is created.
    const doomed = range(60, 45);
    await inBatches(doomed, 15, (i) => pods().delete(`big-${i}`, { gracePeriodSeconds: 0 }).then(() => undefined));
    const left = range(150).filter((i) => !doomed.includes(i)).map(ipOf).sort();
    const shrunk = await until(async () => {
      const ss = await ourSlices();
      return sliceIps(ss).join() === left.join() ? ss : undefined;
    }, 20_000, "90 addresses in slices");
    expect(shrunk.every((s) => s.endpoints.length > 0 && s.endpoints.length <= 100)).toBe(true);
    const before = new Set(full.map((s) => s.metadata.name));
    expect(shrunk.every((s) => before.has(s.metadata.name))).toBe(true);

    const under = await until(async () => {
      const e = await endpoints().get("big");
      return epIps(e).length === 90 ? e : undefined;
    }, 10_000, "big Endpoints with 90 addresses");
    expect(epIps(under).sort()).toEqual(left);
    expect(under.metadata.annotations?.["endpoints.kubernetes.io/over-capacity"]).toBeUndefined();

    // Level-triggered and idempotent: with nothing changing, no slice is rewritten.
    const versions = (ss: EndpointSlice[]) => ss.map((s) => `${s.metadata.name}@${s.metadata.resourceVersion}`).sort().join();
    const settled = versions(await ourSlices());
    await new Promise((r) => setTimeout(r, 1500));
    expect(versions(await ourSlices())).toBe(settled);
  });
});
