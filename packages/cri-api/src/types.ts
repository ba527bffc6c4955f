/**
 * TypeScript shapes of proto/runtime.proto messages as @grpc/proto-loader hands them over
 * (keepCase, longs as Number, enums as String, defaults filled in). Only the fields the kubelet
 * and the shim use; the proto file stays the contract.
 */
export type Labels = Record<string, string>;

export interface VersionResponse { version: string; runtime_name: string; runtime_version: string; runtime_api_version: string }

export interface PodSandboxMetadata { name: string; uid: string; namespace: string; attempt: number }
export interface DNSConfig { servers: string[]; searches: string[]; options: string[] }
export type Protocol = "TCP" | "UDP" | "SCTP";
export interface PortMapping { protocol: Protocol; container_port: number; host_port: number; host_ip: string }
export interface LinuxPodSandboxConfig {
  cgroup_parent: string;
  security_context?: { host_network: boolean; host_pid: boolean; host_ipc: boolean } | null;
  sysctls: Labels;
}
export interface PodSandboxConfig {
  metadata: PodSandboxMetadata;
  hostname: string;
  log_directory: string;
  dns_config?: DNSConfig | null;
  port_mappings: PortMapping[];
  labels: Labels;
  annotations: Labels;
  linux?: LinuxPodSandboxConfig | null;
}

export type PodSandboxState = "SANDBOX_READY" | "SANDBOX_NOTREADY";
export interface PodSandbox {
  id: string;
  metadata: PodSandboxMetadata;
  state: PodSandboxState;
  created_at: number;
  labels: Labels;
  annotations: Labels;
}
export interface PodSandboxStatus extends PodSandbox {
  network: { ip: string; additional_ips: string[] };
}
export interface PodSandboxFilter { id: string; state?: { state: PodSandboxState } | null; label_selector: Labels }

export interface ContainerMetadata { name: string; attempt: number }
export interface ImageSpec { image: string; annotations: Labels }
export interface Mount { container_path: string; host_path: string; readonly: boolean }
export interface LinuxContainerResources { cpu_period: number; cpu_quota: number; cpu_shares: number; memory_limit_in_bytes: number }
export interface LinuxContainerSecurityContext {
  run_as_user?: { value: number } | null;
  run_as_group?: { value: number } | null;
  privileged: boolean;
  readonly_rootfs: boolean;
}
export interface ContainerConfig {
  metadata: ContainerMetadata;
  image: ImageSpec;
  command: string[];
  args: string[];
  working_dir: string;
  envs: { key: string; value: string }[];
  mounts: Mount[];
  labels: Labels;
  annotations: Labels;
  log_path: string;
  stdin: boolean;
  stdin_once: boolean;
  tty: boolean;
  linux?: { resources?: LinuxContainerResources | null; security_context?: LinuxContainerSecurityContext | null } | null;
}

export type ContainerState = "CONTAINER_CREATED" | "CONTAINER_RUNNING" | "CONTAINER_EXITED" | "CONTAINER_UNKNOWN";
export interface Container {
  id: string;
  pod_sandbox_id: string;
  metadata: ContainerMetadata;
  image: ImageSpec;
  image_ref: string;
  state: ContainerState;
  created_at: number;
  labels: Labels;
  annotations: Labels;
}
export interface ContainerStatus {
  id: string;
  metadata: ContainerMetadata;
  state: ContainerState;
  created_at: number;
  started_at: number;
  finished_at: number;
  exit_code: number;
  image: ImageSpec;
  image_ref: string;
  reason: string;
  message: string;
  labels: Labels;
  annotations: Labels;
  mounts: Mount[];
  log_path: string;
  pod_sandbox_id: string;
}
export interface ContainerFilter { id: string; state?: { state: ContainerState } | null; pod_sandbox_id: string; label_selector: Labels }

export interface ExecSyncResponse { stdout: Buffer; stderr: Buffer; exit_code: number }
export interface ExecRequest {
  start?: { container_id: string; cmd: string[]; tty?: boolean; stdin?: boolean; stdout?: boolean; stderr?: boolean };
  stdin?: Buffer;
  resize?: { width: number; height: number };
  close_stdin?: boolean;
}
export interface ExecResponse { stdout?: Buffer; stderr?: Buffer; exit_code?: number; msg?: "stdout" | "stderr" | "exit_code" }
export interface PortForwardRequest { start?: { pod_sandbox_id: string; port: number }; data?: Buffer }
export interface PortForwardResponse { data: Buffer }
export interface ContainerLogsRequest { container_id: string; follow?: boolean; tail_lines?: number; since_seconds?: number; timestamps?: boolean; limit_bytes?: number }
export interface LogChunk { data: Buffer; stream: string }

/** UpdateRuntimeConfig's request: today only the node's pod CIDR. */
export interface RuntimeConfig { network_config?: { pod_cidr: string } | null }
export interface RuntimeCondition { type: string; status: boolean; reason: string; message: string }
/** Status's answer: RuntimeReady and NetworkReady conditions. */
export interface RuntimeStatus { conditions: RuntimeCondition[] }

export interface Image { id: string; repo_tags: string[]; repo_digests: string[]; size: number }

/** Nanoseconds since the epoch (the proto's time unit) to a Date. */
export const fromNanos = (ns: number): Date => new Date(Math.floor(ns / 1e6));
