import { afterEach, describe, expect, it } from "vitest";
import type { Node } from "@kates/api";
import { FakeApiServer, RestClient } from "@kates/client";
import { newLogger } from "@kates/component-base";
import { newControllerContext } from "../../controller-context.js";
import { NodeIpamController } from "./nodeipam-controller.js";

const NODES = "/api/v1/nodes";
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

describe("NodeIpamController", () => {
  it("records existing podCIDRs before allocating, and hands out the first free blocks", async () => {
    const fake = new FakeApiServer();
    const url = await fake.start();
    fake.put(NODES, { apiVersion: "v1", kind: "Node", metadata: { name: "old-a" }, spec: { podCIDR: "10.244.0.0/24", podCIDRs: ["10.244.0.0/24"] } } as Node);
    fake.put(NODES, { apiVersion: "v1", kind: "Node", metadata: { name: "old-b" }, spec: { podCIDR: "10.244.2.0/24", podCIDRs: ["10.244.2.0/24"] } } as Node);
    for (const n of ["new-1", "new-2", "new-3"]) fake.put(NODES, { apiVersion: "v1", kind: "Node", metadata: { name: n } });
    const rest = new RestClient({ server: url, userAgent: "ipam-test" });
    const ac = new AbortController();
    const ctx = newControllerContext(rest, { workers: 2, nodeMonitorGracePeriodMs: 0, nodeMonitorPeriodMs: 0, clusterCIDR: "10.244.0.0/16", nodeCIDRMaskSize: 24, controllers: ["*"] }, newLogger("test", "silent"));
    const controller = new NodeIpamController(ctx);
    ctx.informers.start(ac.signal);
    const done = controller.run(ac.signal);
    cleanup = async () => {
      ac.abort();
      await done;
      rest.close();
      await fake.stop();
    };
    const cidr = (n: string) => (fake.getObject(NODES, undefined, n) as Node).spec?.podCIDR;
    await until(() => ["new-1", "new-2", "new-3"].every((n) => cidr(n)));
    expect(["new-1", "new-2", "new-3"].map(cidr).sort()).toEqual(["10.244.1.0/24", "10.244.3.0/24", "10.244.4.0/24"]);
    expect((fake.getObject(NODES, undefined, "new-1") as Node).spec?.podCIDRs).toEqual([cidr("new-1")]);
    expect(cidr("old-a")).toBe("10.244.0.0/24");

    // A deleted node's block is free again.
    fake.remove(NODES, undefined, "old-a");
    await new Promise((r) => setTimeout(r, 100));
    fake.put(NODES, { apiVersion: "v1", kind: "Node", metadata: { name: "new-4" } });
    await until(() => !!cidr("new-4"));
    expect(cidr("new-4")).toBe("10.244.0.0/24");
  });
});
