/**
 * RuntimeClient: the kubelet's only way to the container runtime, proto/runtime.proto over
 * gRPC (a unix socket by default). Methods mirror the proto's RPCs with the request
 * unwrapped into arguments; failures throw RuntimeError with the gRPC code's name.
 */
import * as grpc from "@grpc/grpc-js";
import { fromServiceError } from "./errors.js";
import type {
  Container, ContainerConfig, ContainerFilter, ContainerLogsRequest, ContainerStatus, ExecRequest, ExecResponse, ExecSyncResponse,
  Image, LinuxContainerResources, LogChunk, PodSandbox, PodSandboxConfig, PodSandboxFilter, PodSandboxStatus, PortForwardRequest,
  PortForwardResponse, RuntimeStatus, VersionResponse,
} from "@kates/cri-api";
import { loadRuntimeProto, RUNTIME_PROTO_PATH } from "@kates/cri-api";

/** proto/runtime.proto (kept under this name for existing callers; see @kates/cri-api). */
export const RUNTIME_PROTO = RUNTIME_PROTO_PATH;

/** What the kubelet needs from a runtime; RuntimeClient speaks gRPC, tests use a fake. */
export interface RuntimeService {
  version(): Promise<VersionResponse>;
  runPodSandbox(config: PodSandboxConfig): Promise<string>;
  stopPodSandbox(id: string): Promise<void>;
  removePodSandbox(id: string): Promise<void>;
  podSandboxStatus(id: string): Promise<PodSandboxStatus>;
  listPodSandbox(filter?: Partial<PodSandboxFilter>): Promise<PodSandbox[]>;
  createContainer(sandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string>;
  startContainer(id: string): Promise<void>;
  stopContainer(id: string, timeoutSeconds: number): Promise<void>;
  removeContainer(id: string): Promise<void>;
  listContainers(filter?: Partial<ContainerFilter>): Promise<Container[]>;
  containerStatus(id: string): Promise<ContainerStatus>;
  updateContainerResources(id: string, resources: LinuxContainerResources): Promise<void>;
  execSync(id: string, cmd: string[], timeoutSeconds: number): Promise<ExecSyncResponse>;
  imageStatus(image: string): Promise<Image | undefined>;
  pullImage(image: string): Promise<string>;
  listImages(): Promise<Image[]>;
  removeImage(image: string): Promise<void>;
  /** Hands the runtime the node's pod CIDR (its pod network); optional for runtimes without one. */
  updateRuntimeConfig?(podCIDR: string): Promise<void>;
  /** RuntimeReady and NetworkReady. */
  status?(): Promise<RuntimeStatus>;
}

type Unary = (req: unknown, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res: unknown) => void) => void;
type GrpcClient = grpc.Client & Record<string, Unary & ((...args: unknown[]) => unknown)>;

let services: ReturnType<typeof loadRuntimeProto> | undefined;

/** Parsing the proto takes a while; every client shares one load. */
function loadServices(): ReturnType<typeof loadRuntimeProto> {
  return (services ??= loadRuntimeProto());
}

/** "unix:///run/x.sock" and "/run/x.sock" become grpc-js's "unix:/run/x.sock"; host:port stays. */
export function grpcTarget(endpoint: string): string {
  if (endpoint.startsWith("unix://")) return `unix:${endpoint.slice("unix://".length)}`;
  if (endpoint.startsWith("/")) return `unix:${endpoint}`;
  return endpoint.replace(/^tcp:\/\//, "");
}

/** The gRPC client of the runtime shim. */
export class RuntimeClient implements RuntimeService {
  private readonly runtime: GrpcClient;
  private readonly images: GrpcClient;

  constructor(readonly endpoint: string, private readonly timeoutMs = 30_000) {
    const { RuntimeService, ImageService } = loadServices();
    const target = grpcTarget(endpoint);
    const creds = grpc.credentials.createInsecure();
    this.runtime = new RuntimeService(target, creds) as unknown as GrpcClient;
    // Share the channel: one connection to the shim for both services.
    this.images = new ImageService(target, creds, { channelOverride: this.runtime.getChannel() }) as unknown as GrpcClient;
  }

  close(): void {
    this.runtime.close();
  }

  private call<R>(client: GrpcClient, method: string, req: object, timeoutMs = this.timeoutMs): Promise<R> {
    return new Promise((resolve, reject) => {
      const fn = client[method] as Unary;
      fn.call(client, req, new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, res) => (err ? reject(fromServiceError(err, method)) : resolve(res as R)));
    });
  }

  version(): Promise<VersionResponse> {
    return this.call(this.runtime, "Version", {}, 5000);
  }

  async updateRuntimeConfig(podCIDR: string): Promise<void> {
    await this.call(this.runtime, "UpdateRuntimeConfig", { runtime_config: { network_config: { pod_cidr: podCIDR } } }, 60_000);
  }

  async status(): Promise<RuntimeStatus> {
    return (await this.call<{ status: RuntimeStatus | null }>(this.runtime, "Status", {}, 5000)).status ?? { conditions: [] };
  }

  async runPodSandbox(config: PodSandboxConfig): Promise<string> {
    return (await this.call<{ pod_sandbox_id: string }>(this.runtime, "RunPodSandbox", { config }, 120_000)).pod_sandbox_id;
  }

  async stopPodSandbox(id: string): Promise<void> {
    await this.call(this.runtime, "StopPodSandbox", { pod_sandbox_id: id }, 120_000);
  }

  async removePodSandbox(id: string): Promise<void> {
    await this.call(this.runtime, "RemovePodSandbox", { pod_sandbox_id: id }, 120_000);
  }

  async podSandboxStatus(id: string): Promise<PodSandboxStatus> {
    return (await this.call<{ status: PodSandboxStatus }>(this.runtime, "PodSandboxStatus", { pod_sandbox_id: id })).status;
  }

  async listPodSandbox(filter?: Partial<PodSandboxFilter>): Promise<PodSandbox[]> {
    return (await this.call<{ items: PodSandbox[] }>(this.runtime, "ListPodSandbox", { filter })).items;
  }

  async createContainer(sandboxId: string, config: ContainerConfig, sandboxConfig: PodSandboxConfig): Promise<string> {
    return (await this.call<{ container_id: string }>(this.runtime, "CreateContainer", { pod_sandbox_id: sandboxId, config, sandbox_config: sandboxConfig }, 120_000)).container_id;
  }

  async startContainer(id: string): Promise<void> {
    await this.call(this.runtime, "StartContainer", { container_id: id }, 120_000);
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    await this.call(this.runtime, "StopContainer", { container_id: id, timeout: timeoutSeconds }, timeoutSeconds * 1000 + 30_000);
  }

  async removeContainer(id: string): Promise<void> {
    await this.call(this.runtime, "RemoveContainer", { container_id: id }, 60_000);
  }

  async listContainers(filter?: Partial<ContainerFilter>): Promise<Container[]> {
    return (await this.call<{ containers: Container[] }>(this.runtime, "ListContainers", { filter })).containers;
  }

  async containerStatus(id: string): Promise<ContainerStatus> {
    return (await this.call<{ status: ContainerStatus }>(this.runtime, "ContainerStatus", { container_id: id })).status;
  }

  async updateContainerResources(id: string, resources: LinuxContainerResources): Promise<void> {
    await this.call(this.runtime, "UpdateContainerResources", { container_id: id, linux: resources });
  }

  execSync(id: string, cmd: string[], timeoutSeconds: number): Promise<ExecSyncResponse> {
    return this.call(this.runtime, "ExecSync", { container_id: id, cmd, timeout: timeoutSeconds }, (timeoutSeconds || 60) * 1000 + 5000);
  }

  /** Interactive exec: write the start message first, then stdin/resize/close_stdin. */
  exec(): grpc.ClientDuplexStream<ExecRequest, ExecResponse> {
    return (this.runtime.Exec as unknown as () => grpc.ClientDuplexStream<ExecRequest, ExecResponse>).call(this.runtime);
  }

  /** One TCP connection into a sandbox: write `{start}` first, then `{data}` chunks. */
  portForward(): grpc.ClientDuplexStream<PortForwardRequest, PortForwardResponse> {
    return (this.runtime.PortForward as unknown as () => grpc.ClientDuplexStream<PortForwardRequest, PortForwardResponse>).call(this.runtime);
  }

  /** A container's log as a stream of chunks; cancel() it to stop following. */
  containerLogs(req: ContainerLogsRequest): grpc.ClientReadableStream<LogChunk> {
    return (this.runtime.ContainerLogs as unknown as (r: ContainerLogsRequest) => grpc.ClientReadableStream<LogChunk>).call(this.runtime, req);
  }

  async listImages(): Promise<Image[]> {
    return (await this.call<{ images: Image[] }>(this.images, "ListImages", {})).images;
  }

  async imageStatus(image: string): Promise<Image | undefined> {
    const res = await this.call<{ image?: Image | null }>(this.images, "ImageStatus", { image: { image } });
    return res.image?.id ? res.image : undefined;
  }

  async pullImage(image: string): Promise<string> {
    return (await this.call<{ image_ref: string }>(this.images, "PullImage", { image: { image } }, 600_000)).image_ref;
  }

  async removeImage(image: string): Promise<void> {
    await this.call(this.images, "RemoveImage", { image: { image } });
  }
}
