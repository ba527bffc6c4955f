import { describe, expect, it } from "vitest";
import type { ContainerConfig, PodSandboxConfig } from "@kates/cri-api";
import { containerCreateOptions, exitReason, sandboxCreateOptions, toContainerState, toDockerResources, toEntrypointCmd, toNanos } from "./convert.js";

const container = (over: Partial<ContainerConfig> = {}): ContainerConfig => ({
  metadata: { name: "app", attempt: 0 },
  image: { image: "nginx", annotations: {} },
  command: [],
  args: [],
  working_dir: "",
  envs: [],
  mounts: [],
  labels: {},
  annotations: {},
  log_path: "",
  stdin: false,
  stdin_once: false,
  tty: false,
  linux: null,
  ...over,
});

describe("convert", () => {
  it("maps command to Entrypoint and args to Cmd as Kubernetes does", () => {
    expect(toEntrypointCmd([], [])).toEqual({});
    expect(toEntrypointCmd(["sh"], [])).toEqual({ Entrypoint: ["sh"] });
    expect(toEntrypointCmd([], ["-g", "x"])).toEqual({ Cmd: ["-g", "x"] });
    expect(toEntrypointCmd(["sh", "-c"], ["echo"])).toEqual({ Entrypoint: ["sh", "-c"], Cmd: ["echo"] });
  });

  it("converts resources, leaving unset ones out", () => {
    expect(toDockerResources({ cpu_period: 100000, cpu_quota: 25000, cpu_shares: 256, memory_limit_in_bytes: 1 << 20 })).toEqual({
      CpuPeriod: 100000, CpuQuota: 25000, CpuShares: 256, Memory: 1 << 20, MemorySwap: 1 << 20,
    });
    expect(toDockerResources({ cpu_period: 0, cpu_quota: 0, cpu_shares: 2, memory_limit_in_bytes: 0 })).toEqual({ CpuShares: 2 });
    expect(toDockerResources(null)).toEqual({});
  });

  it("builds a container that joins its sandbox", () => {
    const o = containerCreateOptions("n", "img", container({
      envs: [{ key: "A", value: "1=2" }],
      mounts: [{ host_path: "/h", container_path: "/c", readonly: true }, { host_path: "/h2", container_path: "/c2", readonly: false }],
      working_dir: "/w",
      linux: { security_context: { run_as_user: { value: 1000 }, run_as_group: null, privileged: false, readonly_rootfs: true } },
    }), "sb1", { l: "v" });
    expect(o.Env).toEqual(["A=1=2"]);
    expect(o.User).toBe("1000");
    expect(o.WorkingDir).toBe("/w");
    expect(o.HostConfig).toMatchObject({ NetworkMode: "container:sb1", IpcMode: "container:sb1", Binds: ["/h:/c:ro", "/h2:/c2"], ReadonlyRootfs: true });
    expect(o.Labels).toEqual({ l: "v" });
  });

  it("puts ports, DNS and hostname on the sandbox", () => {
    const cfg: PodSandboxConfig = {
      metadata: { name: "p", namespace: "ns", uid: "u", attempt: 0 },
      hostname: "p",
      log_directory: "",
      dns_config: { servers: ["10.96.0.10"], searches: ["ns.svc.cluster.local"], options: ["ndots:5"] },
      port_mappings: [{ protocol: "TCP", container_port: 80, host_port: 8080, host_ip: "" }, { protocol: "UDP", container_port: 53, host_port: 0, host_ip: "" }],
      labels: {},
      annotations: {},
      linux: null,
    };
    const o = sandboxCreateOptions("s", "pause", cfg, {});
    expect(o.Hostname).toBe("p");
    expect(o.ExposedPorts).toEqual({ "80/tcp": {}, "53/udp": {} });
    expect(o.HostConfig).toMatchObject({
      NetworkMode: "bridge",
      IpcMode: "shareable",
      PortBindings: { "80/tcp": [{ HostIp: "", HostPort: "8080" }] },
      Dns: ["10.96.0.10"],
      DnsSearch: ["ns.svc.cluster.local"],
      DnsOptions: ["ndots:5"],
    });
    const host = sandboxCreateOptions("s", "pause", { ...cfg, linux: { cgroup_parent: "", sysctls: {}, security_context: { host_network: true, host_pid: false, host_ipc: true } } }, {});
    expect(host.HostConfig).toMatchObject({ NetworkMode: "host", IpcMode: "host" });
    expect(host.Hostname).toBeUndefined();
  });

  it("maps states and exit reasons", () => {
    expect(toContainerState("created")).toBe("CONTAINER_CREATED");
    expect(toContainerState("running")).toBe("CONTAINER_RUNNING");
    expect(toContainerState("exited")).toBe("CONTAINER_EXITED");
    expect(toContainerState("weird")).toBe("CONTAINER_UNKNOWN");
    expect(exitReason({ Status: "exited", ExitCode: 0 })).toBe("Completed");
    expect(exitReason({ Status: "exited", ExitCode: 137, OOMKilled: true })).toBe("OOMKilled");
    expect(exitReason({ Status: "exited", ExitCode: 1 })).toBe("Error");
    expect(exitReason({ Status: "running", ExitCode: 0 })).toBe("");
  });

  it("converts Docker times to nanoseconds", () => {
    expect(toNanos("0001-01-01T00:00:00Z")).toBe(0);
    expect(toNanos("2024-01-02T03:04:05.123456789Z")).toBe(Date.parse("2024-01-02T03:04:05Z") * 1e6 + 123456789);
    expect(toNanos("2024-01-02T03:04:05Z")).toBe(Date.parse("2024-01-02T03:04:05Z") * 1e6);
    expect(toNanos(undefined)).toBe(0);
  });
});
