/**
 * The only place that talks to Docker, as cri-dockerd keeps Docker behind libdocker: a narrow
 * engine interface the rest of the shim uses, so tests can fake it and a containerd backend
 * could replace it. Request/response calls use a small Engine API client (api-client.ts);
 * the streaming ones (exec, logs, pull) use dockerode, loaded on first use.
 */
import type Docker from "dockerode";
import { Readable, type Duplex } from "node:stream";
import { EngineApiClient, query } from "./api-client.js";

export type ContainerCreateOptions = Docker.ContainerCreateOptions;
export type ContainerInspectInfo = Docker.ContainerInspectInfo;
export type ContainerSummary = Docker.ContainerInfo;
export type ImageSummary = Docker.ImageInfo;
export type ImageInspectInfo = Docker.ImageInspectInfo;
export type NetworkInspectInfo = Docker.NetworkInspectInfo;
export type NetworkCreateOptions = Docker.NetworkCreateOptions;

export interface ExecSession {
  /** Raw hijacked stream: multiplexed (8-byte frame headers) unless tty. */
  stream: Duplex;
  resize(width: number, height: number): Promise<void>;
  exitCode(): Promise<number>;
}

export interface LogOptions { follow: boolean; tail?: number; since?: number; timestamps: boolean }

/** What the shim needs from a container engine. */
export interface Engine {
  version(): Promise<{ version: string; apiVersion: string }>;
  create(opts: ContainerCreateOptions): Promise<string>;
  start(id: string): Promise<void>;
  stop(id: string, timeoutSeconds: number): Promise<void>;
  remove(id: string): Promise<void>;
  rename(id: string, name: string): Promise<void>;
  inspect(id: string): Promise<ContainerInspectInfo>;
  /** Containers (running or not) that carry every label given as key=value or key. */
  list(labels: string[]): Promise<ContainerSummary[]>;
  update(id: string, resources: Record<string, number>): Promise<void>;
  exec(id: string, cmd: string[], opts: { tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }): Promise<ExecSession>;
  logs(id: string, opts: LogOptions): Promise<Readable>;
  listImages(): Promise<ImageSummary[]>;
  inspectImage(ref: string): Promise<ImageInspectInfo>;
  pull(ref: string, auth?: { username: string; password: string }): Promise<void>;
  removeImage(ref: string): Promise<void>;
  /** Networks that carry every label given as key=value or key. */
  listNetworks(labels: string[]): Promise<NetworkInspectInfo[]>;
  inspectNetwork(id: string): Promise<NetworkInspectInfo>;
  createNetwork(opts: NetworkCreateOptions): Promise<string>;
  removeNetwork(id: string): Promise<void>;
}

/** An Engine over the Docker API socket. */
export class DockerEngine implements Engine {
  private readonly api: EngineApiClient;
  private dockerode?: Promise<Docker>;

  constructor(private readonly socketPath = "/var/run/docker.sock") {
    this.api = new EngineApiClient(socketPath);
  }

  /** dockerode, for the hijacked and streamed calls only. */
  private docker(): Promise<Docker> {
    this.dockerode ??= import("dockerode").then((m) => new m.default({ socketPath: this.socketPath }));
    return this.dockerode;
  }

  async version() {
    const v = await this.api.request<{ Version: string; ApiVersion: string }>("GET", "/version");
    return { version: v.Version, apiVersion: v.ApiVersion };
  }

  async create(opts: ContainerCreateOptions) {
    const { name, ...body } = opts;
    return (await this.api.request<{ Id: string }>("POST", `/containers/create${query({ name })}`, body)).Id;
  }

  async start(id: string) {
    await this.api.request("POST", `/containers/${id}/start`);
  }

  async stop(id: string, timeoutSeconds: number) {
    await this.api.request("POST", `/containers/${id}/stop${query({ t: Math.max(0, Math.floor(timeoutSeconds)) })}`);
  }

  async remove(id: string) {
    await this.api.request("DELETE", `/containers/${id}${query({ force: true, v: true })}`);
  }

  async rename(id: string, name: string) {
    await this.api.request("POST", `/containers/${id}/rename${query({ name })}`);
  }

  inspect(id: string) {
    return this.api.request<ContainerInspectInfo>("GET", `/containers/${id}/json`);
  }

  list(labels: string[]) {
    return this.api.request<ContainerSummary[]>("GET", `/containers/json${query({ all: true, filters: { label: labels } })}`);
  }

  async update(id: string, resources: Record<string, number>) {
    await this.api.request("POST", `/containers/${id}/update`, resources);
  }

  async exec(id: string, cmd: string[], o: { tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }): Promise<ExecSession> {
    const exec = await (await this.docker()).getContainer(id).exec({
      Cmd: cmd,
      Tty: o.tty,
      AttachStdin: o.stdin,
      AttachStdout: o.stdout,
      AttachStderr: o.stderr,
    });
    const stream = (await exec.start({ hijack: true, stdin: o.stdin, Tty: o.tty })) as Duplex;
    return {
      stream,
      resize: async (w, h) => {
        await exec.resize({ w, h });
      },
      exitCode: async () => (await exec.inspect()).ExitCode ?? -1,
    };
  }

  async logs(id: string, o: LogOptions): Promise<Readable> {
    const base = { stdout: true, stderr: true, timestamps: o.timestamps, ...(o.tail !== undefined && { tail: o.tail }), ...(o.since && { since: o.since }) };
    const c = (await this.docker()).getContainer(id);
    if (o.follow) return (await c.logs({ ...base, follow: true })) as unknown as Readable;
    const buf = (await c.logs({ ...base, follow: false })) as unknown as Buffer;
    return Readable.from([buf]);
  }

  listImages() {
    return this.api.request<ImageSummary[]>("GET", "/images/json");
  }

  inspectImage(ref: string) {
    return this.api.request<ImageInspectInfo>("GET", `/images/${ref}/json`);
  }

  /** Pulls and waits for the end; errors reported inside the progress stream are thrown too. */
  async pull(ref: string, auth?: { username: string; password: string }) {
    const docker = await this.docker();
    const stream = await docker.pull(ref, auth?.username ? { authconfig: auth } : {});
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(stream, (err: Error | null, events: { error?: string; errorDetail?: { message?: string } }[]) => {
        if (err) return reject(err);
        const failed = events?.find((e) => e.error || e.errorDetail);
        if (failed) reject(Object.assign(new Error(failed.errorDetail?.message ?? failed.error), { statusCode: undefined }));
        else resolve();
      });
    });
  }

  async removeImage(ref: string) {
    await this.api.request("DELETE", `/images/${ref}`);
  }

  listNetworks(labels: string[]) {
    return this.api.request<NetworkInspectInfo[]>("GET", `/networks${query({ filters: { label: labels } })}`);
  }

  inspectNetwork(id: string) {
    return this.api.request<NetworkInspectInfo>("GET", `/networks/${encodeURIComponent(id)}`);
  }

  async createNetwork(opts: NetworkCreateOptions) {
    return (await this.api.request<{ Id: string }>("POST", "/networks/create", opts)).Id;
  }

  async removeNetwork(id: string) {
    await this.api.request("DELETE", `/networks/${encodeURIComponent(id)}`);
  }
}
