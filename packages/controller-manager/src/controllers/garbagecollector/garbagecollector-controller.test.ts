import { afterEach, describe, expect, it } from "vitest";
import type { KObject } from "@kates/api";
import { FakeApiServer, RestClient } from "@kates/client";
import { newLogger } from "@kates/component-base";
import { newControllerContext } from "../../controller-context.js";
import { GarbageCollectorController } from "./garbagecollector-controller.js";

const CMS = "/api/v1/namespaces/default/configmaps";
const RS = "/apis/apps/v1/namespaces/default/replicasets";
const PODS = "/api/v1/namespaces/default/pods";
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function start(setup: (fake: FakeApiServer) => void) {
  const fake = new FakeApiServer();
  const url = await fake.start();
  setup(fake);
  const rest = new RestClient({ server: url, userAgent: "gc-test" });
  const ac = new AbortController();
  const ctx = newControllerContext(rest, { workers: 2, nodeMonitorGracePeriodMs: 0, nodeMonitorPeriodMs: 0, clusterCIDR: "10.0.0.0/8", nodeCIDRMaskSize: 24, controllers: ["*"] }, newLogger("test", "silent"));
  const gc = new GarbageCollectorController(ctx);
  ctx.informers.start(ac.signal);
  const done = gc.run(ac.signal);
  cleanups.push(async () => {
    ac.abort();
    await done;
    rest.close();
    await fake.stop();
  });
  return fake;
}

async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

const cm = (name: string, owners: { kind?: string; apiVersion?: string; name: string; uid: string }[] = []): KObject => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "default", ownerReferences: owners.map((o) => ({ apiVersion: o.apiVersion ?? "v1", kind: o.kind ?? "ConfigMap", name: o.name, uid: o.uid })) },
});

describe("GarbageCollectorController", () => {
  it("deletes dependents whose owners are gone or replaced, keeps the rest", async () => {
    let ownerUid = "";
    const fake = await start((f) => {
      ownerUid = f.put(CMS, cm("owner")).metadata.uid!;
      f.put(CMS, cm("owned", [{ name: "owner", uid: ownerUid }]));
      f.put(CMS, cm("stale-uid", [{ name: "owner", uid: "not-the-owner" }]));
      f.put(CMS, cm("no-owner", [{ name: "missing", uid: "u-missing" }]));
      f.put(CMS, cm("unknown-kind", [{ apiVersion: "example.com/v1", kind: "Widget", name: "w", uid: "u-w" }]));
      f.put(PODS, { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default", ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: "u-rs" }] } });
    });
    await until(() => !fake.getObject(CMS, "default", "stale-uid") && !fake.getObject(CMS, "default", "no-owner") && !fake.getObject(PODS, "default", "p"));
    const deletes = fake.requests.filter((r) => r.method === "DELETE").map((r) => r.path).sort();
    expect(deletes).toEqual([`${CMS}/no-owner`, `${CMS}/stale-uid`, `${PODS}/p`]);
    expect(fake.getObject(CMS, "default", "owned")).toBeDefined();
    expect(fake.getObject(CMS, "default", "unknown-kind")).toBeDefined();

    // The owner goes: its dependent follows.
    fake.remove(CMS, "default", "owner");
    await until(() => !fake.getObject(CMS, "default", "owned"));
  });

  it("keeps a dependent whose owner of another resource exists, whatever the event order", async () => {
    const fake = await start(() => {});
    const rs = fake.put(RS, { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "rs", namespace: "default" } });
    fake.put(PODS, { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default", ownerReferences: [{ apiVersion: "apps/v1", kind: "ReplicaSet", name: "rs", uid: rs.metadata.uid! }] } });
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.getObject(PODS, "default", "p")).toBeDefined();
    expect(fake.requests.some((r) => r.method === "DELETE")).toBe(false);
  });
});
