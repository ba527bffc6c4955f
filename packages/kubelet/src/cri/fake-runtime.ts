/** An in-memory RuntimeService for unit tests: sandboxes and containers as plain records. */
import type { RuntimeService } from "./runtime-client.js";
import { RuntimeError } from "./errors.js";
import type { Container, ContainerConfig, ContainerFilter, ContainerState, ContainerStatus, Image, PodSandbox, PodSandboxConfig, PodSandboxFilter, PodSandboxStatus } from "@kates/cri-api";

const matches = (labels: Record<string, string>, sel?: Record<string, string>) => Object.entries(sel ?? {}).every(([k, v]) => labels[k] === v);

/** A fake runtime; tests poke `exit(id, code)` and read `calls`. */
export class FakeRuntime implements RuntimeService {
  readonly sandboxes = new Map<string, PodSandboxStatus>();
  readonly containers = new Map<string, ContainerStatus>();
  readonly images = new Set<string>(["busybox", "nginx"]);
  readonly calls: string[] = [];
  private seq = 0;
  now = () => Date.now() * 1e6;

  /** Set by updateRuntimeConfig: the fake's pod network. */
  podCIDR = "";

  async version() {
    return { version: "0.1.0", runtime_name: "fake", runtime_version: "1", runtime_api_version: "1" };
  }
  async updateRuntimeConfig(podCIDR: string) {
    this.calls.push(`UpdateRuntimeConfig ${podCIDR}`);
    this.podCIDR = podCIDR;
  }
  async status() {
    return {
      conditions: [
        { type: "RuntimeReady", status: true, reason: "", message: "" },
        { type: "NetworkReady", status: !!this.podCIDR, reason: this.podCIDR ? "" : "NoPodCIDR", message: "" },
      ],
    };
  }
  async runPodSandbox(config: PodSandboxConfig) {
    const id = `sb${++this.seq}`;
    this.calls.push(`RunPodSandbox ${config.metadata.name}`);
    this.sandboxes.set(id, { id, metadata: config.metadata, state: "SANDBOX_READY", created_at: this.now(), labels: config.labels ?? {}, annotations: config.annotations ?? {}, network: { ip: this.podCIDR ? this.podCIDR.replace(/\.0\/\d+$/, `.${this.seq + 1}`) : `10.88.0.${this.seq}`, additional_ips: [] } });
    return id;
  }
  async stopPodSandbox(id: string) {
    const s = this.sandboxes.get(id);
    if (s) s.state = "SANDBOX_NOTREADY";
  }
  async removePodSandbox(id: string) {
    this.sandboxes.delete(id);
  }
  async podSandboxStatus(id: string) {
    const s = this.sandboxes.get(id);
    if (!s) throw new RuntimeError("NOT_FOUND", `no sandbox ${id}`);
    return s;
  }
  async listPodSandbox(filter?: Partial<PodSandboxFilter>): Promise<PodSandbox[]> {
    return [...this.sandboxes.values()].filter((s) => matches(s.labels, filter?.label_selector));
  }
  async createContainer(sandboxId: string, config: ContainerConfig) {
    const id = `c${++this.seq}`;
    this.calls.push(`CreateContainer ${config.metadata.name} ${config.metadata.attempt}`);
    this.containers.set(id, {
      id, metadata: config.metadata, state: "CONTAINER_CREATED", created_at: this.now(), started_at: 0, finished_at: 0, exit_code: 0,
      image: config.image, image_ref: `sha256:${config.image.image}`, reason: "", message: "", labels: config.labels ?? {}, annotations: config.annotations ?? {}, mounts: config.mounts ?? [], log_path: "", pod_sandbox_id: sandboxId,
    });
    return id;
  }
  async startContainer(id: string) {
    const c = this.get(id);
    this.calls.push(`StartContainer ${c.metadata.name}`);
    c.state = "CONTAINER_RUNNING";
    c.started_at = this.now();
  }
  /** Makes a running container exit. */
  exit(id: string, code: number): void {
    const c = this.get(id);
    c.state = "CONTAINER_EXITED";
    c.exit_code = code;
    c.finished_at = this.now();
  }
  async stopContainer(id: string) {
    const c = this.containers.get(id);
    this.calls.push(`StopContainer ${c?.metadata.name}`);
    if (c && c.state === "CONTAINER_RUNNING") this.exit(id, 137);
  }
  async removeContainer(id: string) {
    this.containers.delete(id);
  }
  async listContainers(filter?: Partial<ContainerFilter>): Promise<Container[]> {
    return [...this.containers.values()].filter((c) => matches(c.labels, filter?.label_selector));
  }
  async containerStatus(id: string) {
    return this.get(id);
  }
  async updateContainerResources() {}
  async execSync() {
    return { stdout: Buffer.alloc(0), stderr: Buffer.alloc(0), exit_code: 0 };
  }
  async imageStatus(image: string): Promise<Image | undefined> {
    return this.images.has(image) ? { id: `sha256:${image}`, repo_tags: [image], repo_digests: [], size: 1 } : undefined;
  }
  async pullImage(image: string) {
    this.calls.push(`PullImage ${image}`);
    if (image.includes("does-not-exist")) throw new RuntimeError("NOT_FOUND", `manifest for ${image} not found`);
    this.images.add(image);
    return `sha256:${image}`;
  }
  async listImages() {
    return [];
  }
  async removeImage() {}
  private get(id: string): ContainerStatus {
    const c = this.containers.get(id);
    if (!c) throw new RuntimeError("NOT_FOUND", `no container ${id}`);
    return c;
  }
  /** The newest container named `name`. */
  latest(name: string): ContainerStatus | undefined {
    return [...this.containers.values()].filter((c) => c.metadata.name === name).sort((a, b) => b.metadata.attempt - a.metadata.attempt)[0];
  }
  stateOf(name: string): ContainerState | undefined {
    return this.latest(name)?.state;
  }
}
