import { describe, expect, it } from "vitest";
import { containerIP, resolvConf, sandboxCreateOptions } from "./convert.js";
import { networkSubnet, parsePodCIDR, podBridgeName, podNetworkCreateOptions, podNetworkName } from "./pod-network-config.js";

describe("pod network config", () => {
  it("canonicalises a pod CIDR and takes its first address as the gateway", () => {
    expect(parsePodCIDR("10.244.7.0/24")).toEqual({ cidr: "10.244.7.0/24", gateway: "10.244.7.1" });
    expect(parsePodCIDR("10.244.7.99/24")).toEqual({ cidr: "10.244.7.0/24", gateway: "10.244.7.1" });
    expect(parsePodCIDR("10.244.0.0/16")).toEqual({ cidr: "10.244.0.0/16", gateway: "10.244.0.1" });
  });

  it("refuses what is not a usable IPv4 CIDR", () => {
    for (const bad of ["", "10.244.7.0", "10.244.300.0/24", "10.244.7.0/31", "fd00::/64", "10.244.7.0/4"]) expect(parsePodCIDR(bad)).toBeInstanceOf(Error);
  });

  it("names the bridge within IFNAMSIZ, stable and distinct per shim", () => {
    const a = podBridgeName("kubelet-e2e-12345-with-a-very-long-id");
    expect(a.length).toBeLessThanOrEqual(15);
    expect(podBridgeName("kubelet-e2e-12345-with-a-very-long-id")).toBe(a);
    expect(podBridgeName("other")).not.toBe(a);
    expect(podNetworkName("node a/1")).toBe("kates-pods-node-a-1");
  });

  it("creates a bridge without Docker's masquerade, labelled as the shim's pod network", () => {
    const o = podNetworkCreateOptions("s1", "10.244.9.0/24");
    expect(o.Driver).toBe("bridge");
    expect(o.IPAM?.Config).toEqual([{ Subnet: "10.244.9.0/24", Gateway: "10.244.9.1" }]);
    expect(o.Options?.["com.docker.network.bridge.enable_ip_masquerade"]).toBe("false");
    expect(o.Options?.["com.docker.network.bridge.name"]).toBe(podBridgeName("s1"));
    expect(o.Labels).toMatchObject({ "io.kates.shim": "s1", "io.kates.type": "pod-network", "io.kates.managed": "true", "io.kates.pod-cidr": "10.244.9.0/24" });
    expect(networkSubnet(o)).toBe("10.244.9.0/24");
    expect(() => podNetworkCreateOptions("s1", "nonsense")).toThrow();
  });

  it("puts fresh sandboxes on the given network, host-network ones on the host", () => {
    const cfg = { metadata: { name: "p", uid: "u", namespace: "d", attempt: 0 }, hostname: "p", log_directory: "", port_mappings: [], labels: {}, annotations: {} };
    expect(sandboxCreateOptions("n", "pause", cfg, {}).HostConfig?.NetworkMode).toBe("bridge");
    expect(sandboxCreateOptions("n", "pause", cfg, {}, "kates-pods-s1").HostConfig?.NetworkMode).toBe("kates-pods-s1");
    const host = { ...cfg, linux: { cgroup_parent: "", sysctls: {}, security_context: { host_network: true, host_pid: false, host_ipc: false } } };
    expect(sandboxCreateOptions("n", "pause", host, {}, "kates-pods-s1").HostConfig?.NetworkMode).toBe("host");
  });

  it("reports the address on the sandbox's own network", () => {
    const info = { HostConfig: { NetworkMode: "kates-pods-s1" }, NetworkSettings: { Networks: { bridge: { IPAddress: "172.17.0.5" }, "kates-pods-s1": { IPAddress: "10.244.9.3" } } } };
    expect(containerIP(info as never)).toBe("10.244.9.3");
    expect(containerIP({ HostConfig: { NetworkMode: "bridge" }, NetworkSettings: { Networks: { bridge: { IPAddress: "172.17.0.5" } } } } as never)).toBe("172.17.0.5");
    expect(containerIP({ HostConfig: { NetworkMode: "host" }, NetworkSettings: { Networks: {} } } as never)).toBe("");
  });

  it("renders resolv.conf from the pod's DNS config", () => {
    expect(resolvConf({ servers: ["10.96.0.10"], searches: ["default.svc.cluster.local", "svc.cluster.local"], options: ["ndots:5"] }))
      .toBe("nameserver 10.96.0.10\nsearch default.svc.cluster.local svc.cluster.local\noptions ndots:5\n");
    expect(resolvConf({ servers: [], searches: [], options: [] })).toBeUndefined();
    expect(resolvConf(undefined)).toBeUndefined();
  });
});
