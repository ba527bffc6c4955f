// Endpoints and EndpointSlice controllers against the real apiserver and etcd, with the
// controller-manager running in-process: pods are created directly and their status (podIP,
// Ready) set through the status subresource, as a kubelet would.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type EndpointSlice, type Endpoints, type Pod, type Service } from "@kates/api";
import { RestClient } from "@kates/client";
import { startControlPlane, type ControlPlane } from "../../harness/control-plane.js";
import { gone, startControllerManager, until, type InProcessControllerManager } from "../controllers-cluster/cluster.js";

let cp: ControlPlane;
let rest: RestClient;
let cm: InProcessControllerManager;
const ri = (group: string, resource: string) => findResource(group, "v1", resource)!;
const pods = () => rest.resource<Pod>(ri("", "pods"), "default");
const services = () => rest.resource<Service>(ri("", "services"), "default");
const endpoints = () => rest.resource<Endpoints>(ri("", "endpoints"), "default");
const slices = () => rest.resource<EndpointSlice>(ri("discovery.k8s.io", "endpointslices"), "default");

async function startPod(name: string, ip: string, ready: boolean): Promise<void> {
  await pods().create({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { app: "web" } },
    spec: { nodeName: "node-a", containers: [{ name: "c", image: "busybox", ports: [{ name: "http", containerPort: 8080 }] }] },
  });
  await setReady(name, ip, ready);
}

async function setReady(name: string, ip: string, ready: boolean): Promise<void> {
  const pod = await pods().get(name);
  pod.status = { ...pod.status, phase: "Running", podIP: ip, podIPs: [{ ip }], conditions: [{ type: "Ready", status: ready ? "True" : "False" }] };
  await pods().updateStatus(pod);
}

const ips = (ep: Endpoints | undefined, field: "addresses" | "notReadyAddresses") => (ep?.subsets ?? []).flatMap((s) => (s[field] ?? []).map((a) => a.ip)).sort();
const ourSlices = async (svc: string) => (await slices().list({ labelSelector: `kubernetes.io/service-name=${svc},endpointslice.kubernetes.io/managed-by=endpointslice-controller.k8s.io` })).items;

beforeAll(async () => {
  cp = await startControlPlane({ name: "controllers-endpoints", etcdMembers: 1 });
  rest = new RestClient({ server: cp.url, userAgent: "controllers-endpoints-test" });
  cm = startControllerManager(cp.url, ["endpoints", "endpointslice"]);
});

afterAll(async () => {
  await cm?.stop();
  rest?.close();
  await cp?.stop();
});

describe("endpoints and endpointslice controllers", () => {
  it("tracks ready pods, readiness changes, scaling and service deletion", async () => {
    const kubeBefore = await endpoints().get("kubernetes");
    await startPod("web-1", "10.244.1.11", true);
    await startPod("web-2", "10.244.1.12", true);
    await services().create({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web", labels: { tier: "front" } },
      spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: "http" }] },
    });

    const ep = await until(async () => {
      const e = await endpoints().get("web");
      return ips(e, "addresses").length === 2 ? e : undefined;
    }, 10_000, "web endpoints with two addresses");
    expect(ips(ep, "addresses")).toEqual(["10.244.1.11", "10.244.1.12"]);
    expect(ep.subsets).toHaveLength(1);
    expect(ep.subsets![0]!.ports).toEqual([{ name: "http", port: 8080, protocol: "TCP" }]);
    expect(ep.subsets![0]!.addresses![0]!.targetRef).toMatchObject({ kind: "Pod", namespace: "default", name: "web-1" });
    expect(ep.subsets![0]!.addresses![0]!.nodeName).toBe("node-a");
    expect(ep.metadata.labels).toEqual({ tier: "front" });

    const svcUid = (await services().get("web")).metadata.uid;
    const [slice, ...more] = await until(async () => {
      const s = await ourSlices("web");
      return s.length === 1 && s[0]!.endpoints?.length === 2 ? s : undefined;
    }, 10_000, "web endpointslice");
    expect(more).toEqual([]);
    expect(slice!.metadata.name).toMatch(/^web-[a-z0-9]{5}$/);
    expect(slice!.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: "Service", name: "web", uid: svcUid, controller: true })]);
    expect(slice!.addressType).toBe("IPv4");
    expect(slice!.ports).toEqual([{ name: "http", port: 8080, protocol: "TCP" }]);
    expect(slice!.endpoints.map((e) => [e.addresses[0], e.conditions?.ready])).toEqual([["10.244.1.11", true], ["10.244.1.12", true]]);

    // Readiness loss moves the address within a second.
    await setReady("web-2", "10.244.1.12", false);
    const t0 = Date.now();
    await until(async () => {
      const e = await endpoints().get("web");
      return ips(e, "notReadyAddresses").join() === "10.244.1.12" && ips(e, "addresses").join() === "10.244.1.11" ? true : undefined;
    }, 1000, "web-2 in notReadyAddresses within a second");
    expect(Date.now() - t0).toBeLessThan(1000);
    await until(async () => {
      const s = (await ourSlices("web"))[0];
      return s?.endpoints.find((e) => e.addresses[0] === "10.244.1.12")?.conditions?.ready === false ? true : undefined;
    }, 2000, "slice shows web-2 not ready");

    // Scaling up adds an address.
    await startPod("web-3", "10.244.2.13", true);
    await until(async () => (ips(await endpoints().get("web"), "addresses").join() === "10.244.1.11,10.244.2.13" ? true : undefined), 5000, "web-3 added");
    await until(async () => ((await ourSlices("web"))[0]?.endpoints.length === 3 ? true : undefined), 5000, "slice has web-3");

    // A deleted pod leaves.
    await pods().delete("web-1", { gracePeriodSeconds: 0 });
    await until(async () => (ips(await endpoints().get("web"), "addresses").join() === "10.244.2.13" ? true : undefined), 5000, "web-1 removed");

    // The Service's deletion takes its Endpoints and slices along.
    await services().delete("web");
    await gone(() => endpoints().get("web"), 5000, "web endpoints");
    await until(async () => ((await ourSlices("web")).length === 0 ? true : undefined), 5000, "web slices gone");

    // The apiserver-maintained kubernetes Endpoints were never rewritten by the controller.
    const kubeAfter = await endpoints().get("kubernetes");
    expect(kubeAfter.metadata.labels).toEqual(kubeBefore.metadata.labels);
    expect(kubeAfter.subsets).toEqual(kubeBefore.subsets);
    expect(await ourSlices("kubernetes")).toEqual([]);
  });

  it("re-creates Endpoints deleted behind its back", async () => {
    await services().create({ apiVersion: "v1", kind: "Service", metadata: { name: "again" }, spec: { selector: { app: "web" }, ports: [{ port: 81, targetPort: 9000 }] } });
    const first = await until(async () => (ips(await endpoints().get("again"), "addresses").length ? endpoints().get("again") : undefined), 5000, "again endpoints");
    expect(first.subsets![0]!.ports).toEqual([{ port: 9000, protocol: "TCP" }]);
    await endpoints().delete("again");
    await until(async () => {
      const e = await endpoints().get("again");
      return e.metadata.uid !== first.metadata.uid && ips(e, "addresses").length ? true : undefined;
    }, 5000, "again endpoints re-created");
  });
});
