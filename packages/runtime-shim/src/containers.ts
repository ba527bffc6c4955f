/**
 * Containers of a sandbox: create (joining the sandbox's network and IPC namespaces), start,
 * stop, remove, list, status and resource updates. Containers are labelled with everything
 * needed to list them again, so nothing is kept in memory.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Logger } from "@kates/component-base";
import type { ContainerSummary, Engine } from "./docker/index.js";
import type { Container, ContainerConfig, ContainerFilter, ContainerStatus, LinuxContainerResources, PodSandboxConfig } from "@kates/cri-api";
import { containerCreateOptions, exitReason, fromDockerMounts, toContainerState, toDockerResources, toNanos } from "./convert.js";
import { invalidArgument, isDockerNotFound, notFound } from "./errors.js";
import { resolveImage } from "./image-names.js";
import {
  LABEL_ATTEMPT, LABEL_CONTAINER_NAME, LABEL_IMAGE, LABEL_LOG_PATH, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID,
  LABEL_SANDBOX_ID, LABEL_SHIM, LABEL_TYPE, fromDockerLabels, matchesSelector, shimLabel, toDockerLabels,
} from "./labels.js";
import { containerName } from "./naming.js";
import type { Sandboxes } from "./sandboxes.js";

const run = promisify(execFile);

export interface ContainerDeps {
  engine: Engine;
  sandboxes: Sandboxes;
  registry: string;
  shimId: string;
  log: Logger;
}

export class Containers {
  /** Containers created in a pooled sandbox whose pod wants its own hostname (set at start). */
  private readonly hostnames = new Map<string, string>();

  constructor(private readonly d: ContainerDeps) {}

  async create(sandboxId: string, c: ContainerConfig, _sandboxConfig?: PodSandboxConfig | null): Promise<string> {
    if (!c?.metadata?.name) throw invalidArgument("container metadata.name is required");
    if (!c.image?.image) throw invalidArgument("container image is required");
    const sandbox = await this.d.sandboxes.lookup(sandboxId);
    const pod = sandbox.metadata;
    const labels = toDockerLabels(c.labels, c.annotations, {
      [LABEL_POD_NAME]: pod.name,
      [LABEL_POD_NAMESPACE]: pod.namespace,
      [LABEL_POD_UID]: pod.uid,
      [LABEL_CONTAINER_NAME]: c.metadata.name,
      [LABEL_TYPE]: "container",
      [LABEL_SANDBOX_ID]: sandbox.id,
      [LABEL_ATTEMPT]: String(c.metadata.attempt ?? 0),
      [LABEL_IMAGE]: c.image.image,
      [LABEL_SHIM]: this.d.shimId,
      ...(c.log_path && { [LABEL_LOG_PATH]: c.log_path }),
    });
    const image = resolveImage(c.image.image, this.d.registry);
    const id = await this.d.engine.create(containerCreateOptions(containerName(c.metadata, pod), image, c, sandbox.id, labels));
    if (sandbox.hostname) this.hostnames.set(id, sandbox.hostname);
    return id;
  }

  async start(id: string): Promise<void> {
    await this.d.engine.start(id);
    // A pooled sandbox was started before its pod's hostname was known, and Docker copies the
    // sandbox's hostname into each container's own UTS namespace: set the pod's there. (A
    // process that reads its hostname in its first milliseconds can still see the old one.)
    const hostname = this.hostnames.get(id);
    if (!hostname) return;
    this.hostnames.delete(id);
    const pid = (await this.d.engine.inspect(id)).State.Pid;
    if (!pid) return;
    // A container that already exited (a quick command) has no namespace left to fix.
    await run("nsenter", ["-t", String(pid), "-u", "hostname", hostname]).catch((err) =>
      this.d.log.debug({ err, container: id }, "could not set the pod's hostname in a pooled sandbox's container"),
    );
  }

  async stop(id: string, timeoutSeconds: number): Promise<void> {
    try {
      await this.d.engine.stop(id, timeoutSeconds);
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 304) return; // already stopped
      if (isDockerNotFound(err)) throw notFound(`container ${id} not found`);
      throw err;
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await this.d.engine.remove(id);
    } catch (err) {
      if (!isDockerNotFound(err)) throw err;
    }
  }

  /**
   * Stops every container of a sandbox (for StopPodSandbox), in parallel. The kubelet has
   * already given each its grace period; what is left is stopped quickly.
   */
  async stopAll(sandboxId: string, timeoutSeconds = 2): Promise<void> {
    const mine = await this.d.engine.list([`${LABEL_SANDBOX_ID}=${sandboxId}`, shimLabel(this.d.shimId)]);
    await Promise.all(mine.filter((c) => c.State === "running").map((c) => this.stop(c.Id, timeoutSeconds).catch(() => undefined)));
  }

  async removeAll(sandboxId: string): Promise<void> {
    const mine = await this.d.engine.list([`${LABEL_SANDBOX_ID}=${sandboxId}`, shimLabel(this.d.shimId)]);
    await Promise.all(mine.map((c) => this.remove(c.Id)));
  }

  async list(filter?: ContainerFilter | null): Promise<Container[]> {
    const selectors = [`${LABEL_TYPE}=container`, shimLabel(this.d.shimId)];
    if (filter?.pod_sandbox_id) selectors.push(`${LABEL_SANDBOX_ID}=${filter.pod_sandbox_id}`);
    const all = await this.d.engine.list(selectors);
    return all
      .filter((c) => !filter?.id || c.Id.startsWith(filter.id))
      .map(toContainer)
      .filter((c) => (!filter?.state || c.state === filter.state.state) && matchesSelector(c.labels, filter?.label_selector));
  }

  async status(id: string): Promise<ContainerStatus> {
    let info;
    try {
      info = await this.d.engine.inspect(id);
    } catch (err) {
      if (isDockerNotFound(err)) throw notFound(`container ${id} not found`);
      throw err;
    }
    const l = info.Config.Labels ?? {};
    if (l[LABEL_TYPE] !== "container") throw notFound(`container ${id} not found (not a kates container)`);
    const { labels, annotations } = fromDockerLabels(l);
    const s = info.State;
    return {
      id: info.Id,
      metadata: { name: l[LABEL_CONTAINER_NAME], attempt: Number(l[LABEL_ATTEMPT] ?? 0) },
      state: toContainerState(s.Status),
      created_at: toNanos(info.Created),
      started_at: toNanos(s.StartedAt),
      finished_at: toNanos(s.FinishedAt),
      exit_code: s.ExitCode ?? 0,
      image: { image: l[LABEL_IMAGE] ?? info.Config.Image, annotations: {} },
      image_ref: info.Image,
      reason: exitReason(s),
      message: s.Error ?? "",
      labels,
      annotations,
      mounts: fromDockerMounts(info.Mounts),
      log_path: l[LABEL_LOG_PATH] ?? "",
      pod_sandbox_id: l[LABEL_SANDBOX_ID] ?? "",
    };
  }

  async updateResources(id: string, r: LinuxContainerResources | null | undefined): Promise<void> {
    const res = toDockerResources(r);
    if (Object.keys(res).length) await this.d.engine.update(id, res);
  }
}

function toContainer(c: ContainerSummary): Container {
  const l = c.Labels ?? {};
  const { labels, annotations } = fromDockerLabels(l);
  return {
    id: c.Id,
    pod_sandbox_id: l[LABEL_SANDBOX_ID] ?? "",
    metadata: { name: l[LABEL_CONTAINER_NAME] ?? "", attempt: Number(l[LABEL_ATTEMPT] ?? 0) },
    image: { image: l[LABEL_IMAGE] ?? c.Image, annotations: {} },
    image_ref: c.ImageID,
    state: toContainerState(c.State),
    created_at: c.Created * 1e9,
    labels,
    annotations,
  };
}
