import { describe, expect, it } from "vitest";
import type { Node } from "@kates/api";
import type { Runner } from "./exec.js";
import { RouteTable, desiredRoutes, diffRoutes, nodeRoute, parseRoutes } from "./routes.js";

const node = (name: string, podCIDR?: string, ip?: string): Node => ({
  apiVersion: "v1", kind: "Node", metadata: { name },
  spec: podCIDR ? { podCIDR, podCIDRs: [podCIDR] } : {},
  status: { addresses: [...(ip ? [{ type: "InternalIP", address: ip }] : []), { type: "Hostname", address: name }] },
});

describe("host-gw routes", () => {
  it("reads a node's podCIDR and InternalIP", () => {
    expect(nodeRoute(node("a", "10.244.1.0/24", "192.0.2.10"))).toEqual({ dst: "10.244.1.0/24", via: "192.0.2.10" });
    expect(nodeRoute(node("a", undefined, "192.0.2.10"))).toBeUndefined();
    expect(nodeRoute(node("a", "10.244.1.0/24"))).toBeUndefined();
  });

  it("routes every other node with a podCIDR and a non-local InternalIP", () => {
    const nodes = [
      node("self", "10.244.0.0/24", "192.0.2.2"),
      node("b", "10.244.1.0/24", "192.0.2.11"),
      node("c", "10.244.2.0/24", "192.0.2.2"), // another kubelet on this machine
      node("d", undefined, "192.0.2.13"), // no podCIDR yet
      node("e", "10.244.4.0/24"), // no address yet
      node("f", "10.244.0.0/24", "192.0.2.15"), // claims our own CIDR: never route it away
    ];
    const got = desiredRoutes(nodes, "self", new Set(["192.0.2.2", "127.0.0.1"]), "10.244.0.0/24");
    expect([...got]).toEqual([["10.244.1.0/24", "192.0.2.11"]]);
  });

  it("parses `ip -j route show`, including /32s printed without a prefix", () => {
    const json = JSON.stringify([{ dst: "10.244.1.0/24", gateway: "192.0.2.11", dev: "eth0", protocol: "75", flags: [] }, { dst: "10.244.9.7", gateway: "192.0.2.12", flags: [] }]);
    expect([...parseRoutes(json)]).toEqual([["10.244.1.0/24", "192.0.2.11"], ["10.244.9.7/32", "192.0.2.12"]]);
    expect(parseRoutes("").size).toBe(0);
    expect(parseRoutes("[]").size).toBe(0);
  });

  it("replaces missing and changed routes and removes the ones of nodes that left", () => {
    const current = new Map([["10.244.1.0/24", "192.0.2.11"], ["10.244.2.0/24", "192.0.2.99"], ["10.244.3.0/24", "192.0.2.13"]]);
    const desired = new Map([["10.244.1.0/24", "192.0.2.11"], ["10.244.2.0/24", "192.0.2.12"], ["10.244.5.0/24", "192.0.2.15"]]);
    expect(diffRoutes(current, desired)).toEqual({
      replace: [{ dst: "10.244.2.0/24", via: "192.0.2.12" }, { dst: "10.244.5.0/24", via: "192.0.2.15" }],
      remove: [{ dst: "10.244.3.0/24", via: "192.0.2.13" }],
    });
    expect(diffRoutes(desired, desired)).toEqual({ replace: [], remove: [] });
  });

  it("programs routes with our protocol and keeps going past one that fails", async () => {
    const calls: string[] = [];
    const run: Runner = async (cmd, args) => {
      calls.push(`${cmd} ${args.join(" ")}`);
      if (args[1] === "-4") return { code: 0, stdout: JSON.stringify([{ dst: "10.244.3.0/24", gateway: "192.0.2.13" }]), stderr: "" };
      if (args.includes("192.0.2.66")) return { code: 2, stdout: "", stderr: "Error: Nexthop has invalid gateway." };
      return { code: 0, stdout: "", stderr: "" };
    };
    const table = new RouteTable(run, 99);
    const err = await table.sync(new Map([["10.244.6.0/24", "192.0.2.66"], ["10.244.1.0/24", "192.0.2.11"]])).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain("invalid gateway");
    expect(calls).toEqual([
      "ip -j -4 route show proto 99",
      "ip route replace 10.244.6.0/24 via 192.0.2.66 proto 99",
      "ip route replace 10.244.1.0/24 via 192.0.2.11 proto 99",
      "ip route del 10.244.3.0/24 proto 99",
    ]);
  });
});
