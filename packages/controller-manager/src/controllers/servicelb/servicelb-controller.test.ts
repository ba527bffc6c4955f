import { afterEach, describe, expect, it } from "vitest";
import type { Service } from "@kates/api";
import { FakeApiServer, RestClient } from "@kates/client";
import { newLogger } from "@kates/component-base";
import { newControllerContext } from "../../controller-context.js";
import { ServiceLBController } from "./servicelb-controller.js";

const SERVICES = "/api/v1/namespaces/default/services";
const EVENTS = "/api/v1/namespaces/default/events";
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

const svc = (name: string, spec: Service["spec"], status?: Service["status"], created = "2024-01-01T00:00:00Z"): Service =>
  ({ apiVersion: "v1", kind: "Service", metadata: { name, namespace: "default", creationTimestamp: created }, spec: { ports: [{ port: 80 }], ...spec }, status });

async function start(pool: string, objects: Service[]): Promise<{ fake: FakeApiServer; rest: RestClient; ip: (n: string) => string | undefined }> {
  const fake = new FakeApiServer();
  const url = await fake.start();
  for (const o of objects) fake.put(SERVICES, o);
  const rest = new RestClient({ server: url, userAgent: "lb-test" });
  const ac = new AbortController();
  const ctx = newControllerContext(rest, { workers: 2, nodeMonitorGracePeriodMs: 0, nodeMonitorPeriodMs: 0, clusterCIDR: "10.244.0.0/16", nodeCIDRMaskSize: 24, controllers: ["*"], loadBalancerIPPool: pool }, newLogger("test", "silent"));
  const controller = new ServiceLBController(ctx);
  ctx.informers.start(ac.signal);
  const done = controller.run(ac.signal);
  cleanup = async () => {
    ac.abort();
    await done;
    rest.close();
    await fake.stop();
  };
  const ip = (n: string) => (fake.getObject(SERVICES, "default", n) as Service | undefined)?.status?.loadBalancer?.ingress?.[0]?.ip;
  return { fake, rest, ip };
}

/** Polls the Events until `pick` finds what it wants (Events are written in the background). */
async function eventually<T>(rest: RestClient, pick: (events: Awaited<ReturnType<typeof reasons>>) => T | undefined): Promise<T> {
  const end = Date.now() + 5000;
  for (;;) {
    const got = pick(await reasons(rest));
    if (got !== undefined) return got;
    if (Date.now() > end) throw new Error("events not seen in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}

const reasons = async (rest: RestClient) => (await rest.request<{ items: { reason: string; message: string; involvedObject: { name: string } }[] }>({ path: EVENTS })).items;

describe("ServiceLBController", () => {
  it("keeps addresses found in status across a restart, honours loadBalancerIP, and gives the oldest a duplicate", async () => {
    const { ip, fake, rest } = await start("172.31.255.0/29", [
      svc("old", { type: "LoadBalancer" }, { loadBalancer: { ingress: [{ ip: "172.31.255.1" }] } }, "2024-01-01T00:00:00Z"),
      svc("dup", { type: "LoadBalancer" }, { loadBalancer: { ingress: [{ ip: "172.31.255.1" }] } }, "2024-02-01T00:00:00Z"),
      svc("asks", { type: "LoadBalancer", loadBalancerIP: "172.31.255.5" }),
      svc("new", { type: "LoadBalancer" }),
      svc("plain", { type: "ClusterIP" }),
    ]);
    await until(() => !!ip("new") && ip("dup") !== "172.31.255.1" && !!ip("asks"));
    expect(ip("old")).toBe("172.31.255.1");
    expect(ip("asks")).toBe("172.31.255.5");
    expect([ip("dup"), ip("new")].sort()).toEqual(["172.31.255.2", "172.31.255.3"]);
    expect(ip("plain")).toBeUndefined();
    expect((fake.getObject(SERVICES, "default", "new") as Service).status?.loadBalancer?.ingress).toEqual([{ ip: ip("new"), ipMode: "VIP" }]);
    const allocated = await eventually(rest, (events) => {
      const names = events.filter((e) => e.reason === "IPAllocated").map((e) => e.involvedObject.name).sort();
      return names.length >= 3 ? names : undefined;
    });
    expect(allocated).toEqual(["asks", "dup", "new"]);
  });

  it("releases on delete and type change, reports exhaustion, and serves waiting Services once freed", async () => {
    const { ip, fake, rest } = await start("10.0.0.10-10.0.0.11", [svc("a", { type: "LoadBalancer" }, undefined, "2024-01-01T00:00:00Z"), svc("b", { type: "LoadBalancer" }, undefined, "2024-01-02T00:00:00Z")]);
    await until(() => !!ip("a") && !!ip("b"));
    fake.put(SERVICES, svc("c", { type: "LoadBalancer" }));
    const failed = await eventually(rest, (events) => events.find((e) => e.reason === "AllocationFailed" && e.involvedObject.name === "c"));
    expect(failed.message).toContain("no addresses left in the pool 10.0.0.10-10.0.0.11");
    expect(ip("c")).toBeUndefined();

    // b turns into a ClusterIP Service: its address is cleared and goes to c.
    const freed = ip("b");
    const b = fake.getObject(SERVICES, "default", "b") as Service;
    fake.put(SERVICES, { ...b, spec: { ...b.spec, type: "ClusterIP" } });
    await until(() => ip("c") === freed && ip("b") === undefined);

    // a is deleted: a new Service gets its address.
    const aIP = ip("a");
    fake.remove(SERVICES, "default", "a");
    fake.put(SERVICES, svc("d", { type: "LoadBalancer" }));
    await until(() => ip("d") === aIP);
  });

  it("does nothing without a pool", async () => {
    const { ip } = await start("", [svc("a", { type: "LoadBalancer" })]);
    await new Promise((r) => setTimeout(r, 300));
    expect(ip("a")).toBeUndefined();
  });
});
