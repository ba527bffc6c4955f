import { describe, expect, it } from "vitest";
import type { Node } from "@kates/api";
import { newLogger } from "@kates/component-base";
import { FakeRuntime } from "../cri/fake-runtime.js";
import { RuntimeNetwork } from "./runtime-network.js";

const node = (podCIDR?: string): Node => ({ apiVersion: "v1", kind: "Node", metadata: { name: "n1" }, spec: podCIDR ? { podCIDR } : {} });

describe("the kubelet's pod network handshake", () => {
  it("waits for spec.podCIDR, hands it to the runtime once, and is ready only with the agent", async () => {
    const rt = new FakeRuntime();
    let readyCalls = 0;
    const net = new RuntimeNetwork(rt, newLogger("test", "silent"), () => readyCalls++);
    await net.sync(node(), true);
    expect(net.ready).toBe(false);
    expect(net.notReadyMessage()).toMatch(/NetworkReady=false reason:NetworkPluginNotReady message:waiting for the node's spec.podCIDR/);
    await net.sync(node("10.244.3.0/24"), false);
    expect(net.ready).toBe(false);
    expect(rt.calls).toEqual(["UpdateRuntimeConfig 10.244.3.0/24"]);
    await net.sync(node("10.244.3.0/24"), true);
    await net.sync(node("10.244.3.0/24"), true);
    expect(net.ready).toBe(true);
    expect(readyCalls).toBe(1);
    expect(rt.calls).toEqual(["UpdateRuntimeConfig 10.244.3.0/24"]);
  });

  it("configures again when the runtime lost its network (a restarted shim)", async () => {
    const rt = new FakeRuntime();
    const net = new RuntimeNetwork(rt, newLogger("test", "silent"), () => undefined);
    await net.sync(node("10.244.3.0/24"), true);
    rt.podCIDR = "";
    await net.sync(node("10.244.3.0/24"), true);
    expect(rt.calls).toEqual(["UpdateRuntimeConfig 10.244.3.0/24", "UpdateRuntimeConfig 10.244.3.0/24"]);
    expect(net.ready).toBe(true);
  });

  it("reports a runtime that refuses the CIDR as not ready", async () => {
    const rt = new FakeRuntime();
    rt.updateRuntimeConfig = async () => {
      throw new Error("FAILED_PRECONDITION: pod network still has sandboxes");
    };
    const net = new RuntimeNetwork(rt, newLogger("test", "silent"), () => undefined);
    await net.sync(node("10.244.3.0/24"), true);
    expect(net.ready).toBe(false);
    expect(net.message).toContain("still has sandboxes");
  });
});
