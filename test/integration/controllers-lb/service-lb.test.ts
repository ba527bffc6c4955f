// The service-lb controller against the real apiserver and etcd, the controller-manager
// in-process: without a pool LoadBalancer Services stay <pending> with NodePorts; with one
// they get an address (status subresource, shown by the real kubectl), keep it across a
// controller-manager restart, and give it back on deletion and type change.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findResource, type Service } from "@kates/api";
import { RestClient } from "@kates/client";
import { startControlPlane, type ControlPlane } from "../../harness/control-plane.js";
import { kubectl } from "../../harness/kubectl.js";
import { startControllerManager, until, type InProcessControllerManager } from "../controllers-cluster/cluster.js";

const POOL = "172.31.255.0/30"; // two usable addresses: .1 and .2
let cp: ControlPlane;
let rest: RestClient;
let cm: InProcessControllerManager | undefined;
const services = () => rest.resource<Service>(findResource("", "v1", "services")!, "default");
const lbIP = async (name: string) => (await services().get(name)).status?.loadBalancer?.ingress?.[0]?.ip;
const kubectlGet = async (name: string) => {
  const r = await kubectl(["get", "svc", name, "--no-headers"], { server: cp.url });
  expect(r.stderr).toBe("");
  return r.stdout.trim().split(/\s+/);
};

async function createLB(name: string, spec: Partial<NonNullable<Service["spec"]>> = {}): Promise<Service> {
  return services().create({ apiVersion: "v1", kind: "Service", metadata: { name }, spec: { type: "LoadBalancer", selector: { app: name }, ports: [{ port: 80 }], ...spec } });
}

beforeAll(async () => {
  cp = await startControlPlane({ name: "controllers-lb", etcdMembers: 1 });
  rest = new RestClient({ server: cp.url, userAgent: "controllers-lb-test" });
});

afterAll(async () => {
  await cm?.stop();
  rest?.close();
  await cp?.stop();
});

describe("service-lb controller", () => {
  it("leaves LoadBalancer Services <pending> with a NodePort when no pool is configured", async () => {
    cm = startControllerManager(cp.url, ["service-lb"]);
    const created = await createLB("nopool");
    expect(created.spec?.ports?.[0]?.nodePort).toBeGreaterThanOrEqual(30000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(await lbIP("nopool")).toBeUndefined();
    const [name, type, , external, ports] = await kubectlGet("nopool");
    expect([name, type, external]).toEqual(["nopool", "LoadBalancer", "<pending>"]);
    expect(ports).toBe(`80:${created.spec!.ports![0]!.nodePort}/TCP`);
    await cm.stop();
    cm = undefined;
  });

  it("assigns pool addresses, keeps them across a restart, and releases them", async () => {
    cm = startControllerManager(cp.url, ["service-lb"], { loadBalancerIPPool: POOL });
    // The Service from the first test is served now too: it gets the first address.
    await until(lbIP.bind(null, "nopool"), 10_000, "nopool gets an address");
    expect(await lbIP("nopool")).toBe("172.31.255.1");
    await createLB("web", { loadBalancerIP: "172.31.255.2" });
    expect(await until(() => lbIP("web"), 10_000, "web gets its requested address")).toBe("172.31.255.2");
    expect((await services().get("web")).status?.loadBalancer?.ingress).toEqual([{ ip: "172.31.255.2", ipMode: "VIP" }]);
    expect((await kubectlGet("web"))[3]).toBe("172.31.255.2");

    // Restart: allocations come back from the status; a new Service finds the pool full.
    await cm.stop();
    cm = startControllerManager(cp.url, ["service-lb"], { loadBalancerIPPool: POOL });
    await createLB("late");
    const events = rest.resource<{ reason?: string; involvedObject?: { name?: string }; metadata: object }>(findResource("", "v1", "events")!, "default");
    await until(async () => ((await events.list()).items.some((e) => e.reason === "AllocationFailed" && e.involvedObject?.name === "late") ? true : undefined), 10_000, "AllocationFailed for late");
    expect(await lbIP("nopool")).toBe("172.31.255.1");
    expect(await lbIP("web")).toBe("172.31.255.2");
    expect(await lbIP("late")).toBeUndefined();
    expect((await kubectlGet("late"))[3]).toBe("<pending>");

    // web turns into a ClusterIP Service: its status is cleared and late gets the address.
    const web = await services().get("web");
    web.spec = { ...web.spec, type: "ClusterIP", loadBalancerIP: undefined };
    for (const p of web.spec.ports ?? []) delete p.nodePort;
    await services().update(web);
    expect(await until(() => lbIP("late"), 10_000, "late gets the freed address")).toBe("172.31.255.2");
    expect(await until(async () => ((await lbIP("web")) === undefined ? true : undefined), 10_000, "web's status cleared")).toBe(true);

    // Deleting nopool frees .1 for the next one.
    await services().delete("nopool");
    await createLB("next");
    expect(await until(() => lbIP("next"), 10_000, "next gets the deleted Service's address")).toBe("172.31.255.1");
    // The event for "next" is written after its status: wait for it rather than race it.
    const allocatedNames = async () => (await events.list()).items.filter((e) => e.reason === "IPAllocated").map((e) => e.involvedObject?.name);
    await until(async () => ((await allocatedNames()).includes("next") ? true : undefined), 10_000, "IPAllocated event for next");
    expect(await allocatedNames()).toEqual(expect.arrayContaining(["nopool", "web", "late", "next"]));
  });
});
