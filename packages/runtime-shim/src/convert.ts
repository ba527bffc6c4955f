/**
 * Pure conversions between CRI messages and Docker's create options and inspect output:
 * Kubernetes command/args to Entrypoint/Cmd, resources, mounts, security context, states,
 * exit reasons and timestamps. No I/O, so every rule is unit-tested against plain objects.
 */
import type { ContainerCreateOptions, ContainerInspectInfo } from "./docker/index.js";
import type { ContainerConfig, ContainerState, DNSConfig, LinuxContainerResources, Mount, PodSandboxConfig } from "@kates/cri-api";

/** Docker HostConfig resource fields for CRI resources; zero means "not set" and is left out. */
export function toDockerResources(r: LinuxContainerResources | null | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (!r) return out;
  if (r.cpu_shares > 0) out.CpuShares = r.cpu_shares;
  if (r.cpu_period > 0) out.CpuPeriod = r.cpu_period;
  if (r.cpu_quota > 0) out.CpuQuota = r.cpu_quota;
  if (r.memory_limit_in_bytes > 0) {
    out.Memory = r.memory_limit_in_bytes;
    // Kubernetes gives containers no swap: the limit is the limit.
    out.MemorySwap = r.memory_limit_in_bytes;
  }
  return out;
}

/** Docker's bind syntax (host:container[:ro]) for CRI mounts. */
export function toBinds(mounts: Mount[] | undefined): string[] {
  return (mounts ?? []).filter((m) => m.host_path && m.container_path).map((m) => `${m.host_path}:${m.container_path}${m.readonly ? ":ro" : ""}`);
}

/** Back from Docker's mount list to CRI mounts. */
export function fromDockerMounts(mounts: ContainerInspectInfo["Mounts"] | undefined): Mount[] {
  return (mounts ?? []).map((m) => ({ container_path: m.Destination, host_path: m.Source, readonly: !m.RW }));
}

/** Docker's User field: uid or uid:gid ("" keeps the image's user). */
export function toDockerUser(c: ContainerConfig): string {
  const sc = c.linux?.security_context;
  if (!sc?.run_as_user) return "";
  return sc.run_as_group ? `${sc.run_as_user.value}:${sc.run_as_group.value}` : String(sc.run_as_user.value);
}

/**
 * Kubernetes' command/args over Docker's Entrypoint/Cmd: command replaces the entrypoint
 * (and so drops the image's Cmd, as Docker does when Entrypoint is set), args replace Cmd.
 */
export function toEntrypointCmd(command: string[] | undefined, args: string[] | undefined): { Entrypoint?: string[]; Cmd?: string[] } {
  const out: { Entrypoint?: string[]; Cmd?: string[] } = {};
  if (command?.length) out.Entrypoint = command;
  if (args?.length) out.Cmd = args;
  return out;
}

/** Docker create options for a container that joins sandbox `sandboxId`. */
export function containerCreateOptions(name: string, image: string, c: ContainerConfig, sandboxId: string, labels: Record<string, string>): ContainerCreateOptions {
  const sc = c.linux?.security_context;
  const user = toDockerUser(c);
  return {
    name,
    Image: image,
    ...toEntrypointCmd(c.command, c.args),
    Env: (c.envs ?? []).map((e) => `${e.key}=${e.value}`),
    ...(c.working_dir && { WorkingDir: c.working_dir }),
    ...(user && { User: user }),
    Tty: c.tty,
    OpenStdin: c.stdin,
    StdinOnce: c.stdin_once,
    AttachStdin: false,
    Labels: labels,
    HostConfig: {
      NetworkMode: `container:${sandboxId}`,
      IpcMode: `container:${sandboxId}`,
      Binds: toBinds(c.mounts),
      Privileged: sc?.privileged ?? false,
      ReadonlyRootfs: sc?.readonly_rootfs ?? false,
      LogConfig: { Type: "json-file", Config: {} },
      ...toDockerResources(c.linux?.resources),
    },
  };
}

export interface SandboxNetworkOptions {
  Dns?: string[];
  DnsSearch?: string[];
  DnsOptions?: string[];
}

export function dnsOptions(dns: DNSConfig | null | undefined): SandboxNetworkOptions {
  if (!dns) return {};
  return {
    ...(dns.servers?.length && { Dns: dns.servers }),
    ...(dns.searches?.length && { DnsSearch: dns.searches }),
    ...(dns.options?.length && { DnsOptions: dns.options }),
  };
}

/**
 * Docker create options for a pod's pause container (fresh, not pooled), on Docker network
 * `network` (the shim's pod network, or "bridge" before it has one).
 */
export function sandboxCreateOptions(name: string, pauseImage: string, cfg: PodSandboxConfig, labels: Record<string, string>, network = "bridge"): ContainerCreateOptions {
  const sc = cfg.linux?.security_context;
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of cfg.port_mappings ?? []) {
    if (!p.container_port) continue;
    const key = `${p.container_port}/${(p.protocol ?? "TCP").toLowerCase()}`;
    exposed[key] = {};
    if (p.host_port) (bindings[key] ??= []).push({ HostIp: p.host_ip ?? "", HostPort: String(p.host_port) });
  }
  return {
    name,
    Image: pauseImage,
    ...(cfg.hostname && !sc?.host_network && { Hostname: cfg.hostname }),
    Labels: labels,
    ExposedPorts: exposed,
    HostConfig: {
      NetworkMode: sc?.host_network ? "host" : network,
      IpcMode: sc?.host_ipc ? "host" : "shareable",
      ...(sc?.host_pid && { PidMode: "host" }),
      PortBindings: bindings,
      ...dnsOptions(cfg.dns_config),
      ...(cfg.linux?.cgroup_parent && { CgroupParent: cfg.linux.cgroup_parent }),
      ...(cfg.linux?.sysctls && Object.keys(cfg.linux.sysctls).length && { Sysctls: cfg.linux.sysctls }),
      RestartPolicy: { Name: "no" },
    },
  };
}

/** CRI container state for Docker's state string ("created", "running", "exited", ...). */
export function toContainerState(dockerState: string | undefined): ContainerState {
  switch (dockerState) {
    case "created":
      return "CONTAINER_CREATED";
    case "running":
    case "paused":
    case "restarting":
      return "CONTAINER_RUNNING";
    case "exited":
    case "dead":
      return "CONTAINER_EXITED";
    default:
      return "CONTAINER_UNKNOWN";
  }
}

/** Kubernetes' termination reason: OOMKilled, Completed (exit 0) or Error. */
export function exitReason(state: { Status?: string; ExitCode?: number; OOMKilled?: boolean }): string {
  if (toContainerState(state.Status) !== "CONTAINER_EXITED") return "";
  if (state.OOMKilled) return "OOMKilled";
  return state.ExitCode === 0 ? "Completed" : "Error";
}

/** Nanoseconds since the epoch for Docker's RFC 3339 time with up to 9 fraction digits; 0 for Go's zero time. */
export function toNanos(time: string | undefined): number {
  if (!time || time.startsWith("0001-01-01")) return 0;
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(time);
  if (!m) {
    const ms = Date.parse(time);
    return Number.isNaN(ms) ? 0 : ms * 1e6;
  }
  const seconds = Date.parse(m[1] + m[3]) / 1000;
  const frac = Number((m[2] ?? "").padEnd(9, "0").slice(0, 9));
  return seconds * 1e9 + frac;
}

/**
 * The container's address: on the network it was created on (the pod network or Docker's
 * bridge), else on any network it has; "" for host networking or when stopped.
 */
export function containerIP(info: Pick<ContainerInspectInfo, "HostConfig" | "NetworkSettings">): string {
  const mode = info.HostConfig?.NetworkMode;
  if (mode === "host") return "";
  const networks = info.NetworkSettings?.Networks ?? {};
  const own = mode ? networks[mode]?.IPAddress : undefined;
  return own || (Object.values(networks).find((n) => n.IPAddress)?.IPAddress ?? "");
}

/** resolv.conf text for a pod's DNS settings; undefined when the pod sets none. */
export function resolvConf(dns: DNSConfig | null | undefined): string | undefined {
  if (!dns || !(dns.servers?.length || dns.searches?.length || dns.options?.length)) return undefined;
  const lines = [
    ...(dns.servers ?? []).map((s) => `nameserver ${s}`),
    ...(dns.searches?.length ? [`search ${dns.searches.join(" ")}`] : []),
    ...(dns.options?.length ? [`options ${dns.options.join(" ")}`] : []),
  ];
  return lines.join("\n") + "\n";
}
