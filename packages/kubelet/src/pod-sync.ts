/**
 * syncPod and killPod: one step of driving a pod's containers towards its spec through the
 * runtime (Kubernetes' computePodActions + SyncPod, simplified). Each call does the next
 * needed actions and returns how soon it wants to run again (back-offs, waiting init
 * containers); the pod worker serializes calls per pod.
 */
import type { Container, Pod } from "@kates/api";
import type { EventRecorder } from "@kates/client";
import type { Logger } from "@kates/component-base";
import { Backoff } from "./backoff.js";
import { buildEnv, ContainerConfigError, expandVars } from "./container-env.js";
import { containerResources } from "./container-resources.js";
import type { RuntimeService } from "./cri/runtime-client.js";
import { isRuntimeNotFound } from "./cri/errors.js";
import type { ContainerConfig, PodSandboxConfig } from "@kates/cri-api";
import { ANNOTATION_IMAGE, ANNOTATION_RESTART_COUNT, LABEL_CONTAINER_KIND, LABEL_CONTAINER_NAME, LABEL_POD_NAME, LABEL_POD_NAMESPACE, LABEL_POD_UID } from "./labels.js";
import type { StatusHints } from "./pod-status.js";
import type { ProbeManager } from "./probes.js";
import { instancesOf, type PodRuntimeState, type RuntimeContainer } from "./runtime-state.js";
import { containerMounts, prepareVolumes, type VolumeSource } from "./volumes.js";

/** Settings of the syncer that come from flags. */
export interface PodSyncConfig {
  nodeName: string;
  rootDir: string;
  clusterDNS: string[];
  clusterDomain: string;
  crashLoopBackoffBaseMs: number;
  crashLoopBackoffMaxMs: number;
  imagePullBackoffMaxMs: number;
}

/** The image pull back-off starts at one second (Kubernetes: 10s). */
const IMAGE_BACKOFF_BASE_MS = 1000;

/** Builds sandbox configs and container configs and performs the runtime calls of a sync. */
export class PodSyncer {
  readonly crashBackoff: Backoff;
  readonly pullBackoff: Backoff;
  /** Per pod uid: the hints the status computation needs. */
  private readonly hints = new Map<string, StatusHints>();

  constructor(
    private readonly runtime: RuntimeService,
    private readonly src: VolumeSource,
    private readonly recorder: EventRecorder,
    private readonly probes: ProbeManager,
    private readonly cfg: PodSyncConfig,
    private readonly log: Logger,
  ) {
    this.crashBackoff = new Backoff(cfg.crashLoopBackoffBaseMs, cfg.crashLoopBackoffMaxMs);
    this.pullBackoff = new Backoff(IMAGE_BACKOFF_BASE_MS, cfg.imagePullBackoffMaxMs);
  }

  /** The hints of a pod, with probe results filled in. */
  hintsFor(pod: Pod): StatusHints {
    const uid = pod.metadata.uid ?? "";
    const h = this.hints.get(uid) ?? { waiting: new Map(), readiness: new Map(), started: new Map() };
    this.hints.set(uid, h);
    h.readiness.clear();
    h.started.clear();
    for (const c of pod.spec?.containers ?? []) {
      if (c.readinessProbe) h.readiness.set(c.name, this.probes.result(uid, c.name, "readiness") === true);
      if (c.startupProbe) h.started.set(c.name, this.probes.result(uid, c.name, "startup") === true);
    }
    return h;
  }

  forget(uid: string): void {
    this.hints.delete(uid);
    this.probes.remove(uid);
  }

  sandboxConfig(pod: Pod, attempt: number): PodSandboxConfig {
    const ns = pod.metadata.namespace ?? "default";
    const dnsNone = pod.spec?.dnsPolicy === "Default" || (pod.spec?.hostNetwork && pod.spec?.dnsPolicy !== "ClusterFirstWithHostNet");
    const d = this.cfg.clusterDomain;
    return {
      metadata: { name: pod.metadata.name ?? "", uid: pod.metadata.uid ?? "", namespace: ns, attempt },
      hostname: pod.spec?.hostname ?? pod.metadata.name ?? "",
      log_directory: `${this.cfg.rootDir}/pods/${pod.metadata.uid}/logs`,
      ...(this.cfg.clusterDNS.length && !dnsNone && { dns_config: { servers: this.cfg.clusterDNS, searches: [`${ns}.svc.${d}`, `svc.${d}`, d], options: ["ndots:5"] } }),
      port_mappings: [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].flatMap((c) =>
        (c.ports ?? []).filter((p) => p.hostPort).map((p) => ({ protocol: p.protocol ?? "TCP", container_port: p.containerPort, host_port: p.hostPort!, host_ip: p.hostIP ?? "" })),
      ),
      labels: { [LABEL_POD_NAME]: pod.metadata.name ?? "", [LABEL_POD_NAMESPACE]: ns, [LABEL_POD_UID]: pod.metadata.uid ?? "" },
      annotations: { ...pod.metadata.annotations },
      linux: { cgroup_parent: "", sysctls: {}, security_context: { host_network: !!pod.spec?.hostNetwork, host_pid: !!pod.spec?.hostPID, host_ipc: !!pod.spec?.hostIPC } },
    };
  }

  /**
   * One sync step for a live pod; returns milliseconds until it wants another sync
   * (undefined: only on the next event).
   */
  async syncPod(pod: Pod, rt: PodRuntimeState, hostIP: string): Promise<number | undefined> {
    const uid = pod.metadata.uid ?? "";
    const hints = this.hintsFor(pod);
    const policy = pod.spec?.restartPolicy ?? "Always";
    // A pod that ran to completion keeps its exited containers (for logs) but needs no
    // sandbox: stop its pause container, and never start a new one.
    const done = pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed" || (rt.containers.length > 0 && policy !== "Always" && (pod.spec?.containers ?? []).every((c) => {
      const l = instancesOf(rt, c.name).latest;
      return l?.state === "CONTAINER_EXITED" && (policy === "Never" || l.exitCode === 0);
    }));
    if (done) {
      for (const s of rt.sandboxes.filter((s) => s.ready)) await this.runtime.stopPodSandbox(s.id).catch((err) => (isRuntimeNotFound(err) ? undefined : Promise.reject(err)));
      return undefined;
    }

    let sandbox = rt.sandboxes.find((s) => s.ready);
    if (!sandbox) {
      for (const c of rt.containers) if (c.state === "CONTAINER_RUNNING") await this.runtime.stopContainer(c.id, 0).catch(() => undefined);
      const attempt = rt.sandboxes.length ? rt.sandboxes[0]!.attempt + 1 : 0;
      const id = await this.runtime.runPodSandbox(this.sandboxConfig(pod, attempt));
      const st = await this.runtime.podSandboxStatus(id);
      sandbox = { id, ready: true, attempt, createdAt: Date.now(), ip: st.network?.ip };
      rt.sandboxes.unshift(sandbox);
      // Old sandboxes' containers belong to a dead network namespace: start afresh.
      rt.containers = rt.containers.filter((c) => c.sandboxId === id);
    }
    const podIP = pod.spec?.hostNetwork ? hostIP : sandbox.ip ?? "";

    // Init containers, in order, each to successful completion.
    for (const c of pod.spec?.initContainers ?? []) {
      const { latest } = instancesOf(rt, c.name);
      if (latest?.state === "CONTAINER_EXITED" && latest.exitCode === 0) continue;
      if (latest?.state === "CONTAINER_RUNNING") return undefined;
      if (latest?.state === "CONTAINER_EXITED") {
        if (policy === "Never") return undefined;
        return this.restartWithBackoff(pod, c, latest, sandbox.id, podIP, hostIP, hints, true);
      }
      await this.startContainer(pod, c, 0, sandbox.id, podIP, hostIP, hints, true);
      return undefined;
    }

    let again: number | undefined;
    const soonest = (ms: number | undefined) => {
      if (ms !== undefined) again = again === undefined ? ms : Math.min(again, ms);
    };
    for (const c of pod.spec?.containers ?? []) {
      const { latest } = instancesOf(rt, c.name);
      if (!latest || latest.state === "CONTAINER_CREATED") {
        if (latest) await this.runtime.removeContainer(latest.id).catch(() => undefined);
        soonest(await this.startContainer(pod, c, latest ? latest.attempt : 0, sandbox.id, podIP, hostIP, hints, false));
        continue;
      }
      if (latest.state === "CONTAINER_RUNNING") {
        hints.waiting.delete(c.name);
        if (this.probes.result(uid, c.name, "liveness") === false || this.probes.result(uid, c.name, "startup") === false) {
          const kind = this.probes.result(uid, c.name, "liveness") === false ? "liveness" : "startup";
          this.recorder.event(pod, "Normal", "Killing", `Container ${c.name} failed ${kind} probe, will be restarted`);
          this.probes.remove(uid, c.name);
          await this.runtime.stopContainer(latest.id, pod.spec?.terminationGracePeriodSeconds ?? 30);
          soonest(0);
          continue;
        }
        this.probes.ensure(pod, c, latest.id, podIP, latest.startedAt || Date.now());
        continue;
      }
      // Exited.
      this.probes.remove(uid, c.name);
      const restart = policy === "Always" || (policy === "OnFailure" && latest.exitCode !== 0);
      if (!restart) {
        hints.waiting.delete(c.name);
        continue;
      }
      soonest(await this.restartWithBackoff(pod, c, latest, sandbox.id, podIP, hostIP, hints, false));
    }
    return again;
  }

  private async restartWithBackoff(pod: Pod, c: Container, latest: RuntimeContainer, sandboxId: string, podIP: string, hostIP: string, hints: StatusHints, init: boolean): Promise<number | undefined> {
    const key = `${pod.metadata.uid}/${c.name}`;
    const left = this.crashBackoff.remainingSince(key, latest.finishedAt || Date.now());
    if (left > 0) {
      const msg = `back-off ${Math.round(this.crashBackoff.get(key) / 1000)}s restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;
      if (hints.waiting.get(c.name)?.reason !== "CrashLoopBackOff") this.recorder.event(pod, "Warning", "BackOff", "Back-off restarting failed container " + c.name + " in pod " + pod.metadata.name);
      hints.waiting.set(c.name, { reason: "CrashLoopBackOff", message: msg });
      return left;
    }
    this.crashBackoff.next(key);
    return this.startContainer(pod, c, latest.attempt + 1, sandboxId, podIP, hostIP, hints, init, latest);
  }

  /** Pulls the image as the policy says; returns false (with a waiting reason set) when it can't. */
  private async ensureImage(pod: Pod, c: Container, hints: StatusHints): Promise<number | true> {
    const image = c.image ?? "";
    const tagged = image.includes("@") || /:[^/]+$/.test(image);
    const policy = c.imagePullPolicy ?? (!tagged || image.endsWith(":latest") ? "Always" : "IfNotPresent");
    if (policy !== "Always") {
      const present = await this.runtime.imageStatus(image);
      if (present) {
        this.recorder.event(pod, "Normal", "Pulled", `Container image "${image}" already present on machine`);
        return true;
      }
      if (policy === "Never") {
        hints.waiting.set(c.name, { reason: "ErrImageNeverPull", message: `Container image "${image}" is not present with pull policy of Never` });
        this.recorder.event(pod, "Warning", "ErrImageNeverPull", `Container image "${image}" is not present with pull policy of Never`);
        return 5000;
      }
    }
    const key = `${pod.metadata.uid}/${image}`;
    const w = hints.waiting.get(c.name);
    if (w && (w.reason === "ErrImagePull" || w.reason === "ImagePullBackOff")) {
      const left = this.pullBackoff.remainingSince(key, this.lastPullFailure.get(key) ?? 0);
      if (left > 0) {
        if (w.reason !== "ImagePullBackOff") this.recorder.event(pod, "Normal", "BackOff", `Back-off pulling image "${image}"`);
        hints.waiting.set(c.name, { reason: "ImagePullBackOff", message: `Back-off pulling image "${image}"` });
        return left;
      }
    }
    this.recorder.event(pod, "Normal", "Pulling", `Pulling image "${image}"`);
    const t0 = Date.now();
    try {
      await this.runtime.pullImage(image);
    } catch (err) {
      const message = `Failed to pull image "${image}": ${(err as Error).message}`;
      this.recorder.event(pod, "Warning", "Failed", message);
      this.recorder.event(pod, "Warning", "Failed", "Error: ErrImagePull");
      this.lastPullFailure.set(key, Date.now());
      const delay = this.pullBackoff.next(key);
      hints.waiting.set(c.name, { reason: "ErrImagePull", message });
      // Come back halfway through the back-off, so the pod shows ImagePullBackOff while it runs
      // (as Kubernetes' periodic sync does); waking only when it ends would pull again at once and
      // show ErrImagePull forever unless some other event happened to sync the pod in between.
      return Math.max(1, Math.floor(delay / 2));
    }
    this.pullBackoff.reset(key);
    this.lastPullFailure.delete(key);
    this.recorder.event(pod, "Normal", "Pulled", `Successfully pulled image "${image}" in ${Date.now() - t0}ms`);
    return true;
  }

  private readonly lastPullFailure = new Map<string, number>();

  /** Builds the container's config (env, mounts, resources) for one attempt. */
  async containerConfig(pod: Pod, c: Container, attempt: number, podIP: string, hostIP: string, init: boolean): Promise<ContainerConfig> {
    const envs = await buildEnv(pod, c, podIP, hostIP, this.src);
    const vars = Object.fromEntries(envs.map((e) => [e.key, e.value]));
    const volumes = await prepareVolumes(pod, this.cfg.rootDir, this.src);
    const runAsUser = c.securityContext?.runAsUser ?? pod.spec?.securityContext?.runAsUser;
    const runAsGroup = c.securityContext?.runAsGroup ?? pod.spec?.securityContext?.runAsGroup;
    return {
      metadata: { name: c.name, attempt },
      image: { image: c.image ?? "", annotations: {} },
      command: (c.command ?? []).map((s) => expandVars(s, vars)),
      args: (c.args ?? []).map((s) => expandVars(s, vars)),
      working_dir: c.workingDir ?? "",
      envs,
      mounts: containerMounts(c, volumes),
      labels: {
        [LABEL_POD_NAME]: pod.metadata.name ?? "",
        [LABEL_POD_NAMESPACE]: pod.metadata.namespace ?? "default",
        [LABEL_POD_UID]: pod.metadata.uid ?? "",
        [LABEL_CONTAINER_NAME]: c.name,
        [LABEL_CONTAINER_KIND]: init ? "init" : "app",
      },
      annotations: { [ANNOTATION_IMAGE]: c.image ?? "", [ANNOTATION_RESTART_COUNT]: String(attempt) },
      log_path: "",
      stdin: !!c.stdin,
      stdin_once: !!c.stdinOnce,
      tty: !!c.tty,
      linux: {
        resources: containerResources(c),
        security_context: {
          ...(runAsUser !== undefined && { run_as_user: { value: runAsUser } }),
          ...(runAsGroup !== undefined && { run_as_group: { value: runAsGroup } }),
          privileged: !!c.securityContext?.privileged,
          readonly_rootfs: !!c.securityContext?.readOnlyRootFilesystem,
        },
      },
    };
  }

  private async startContainer(pod: Pod, c: Container, attempt: number, sandboxId: string, podIP: string, hostIP: string, hints: StatusHints, init: boolean, previous?: RuntimeContainer): Promise<number | undefined> {
    const image = await this.ensureImage(pod, c, hints);
    if (image !== true) return image;
    let config: ContainerConfig;
    try {
      config = await this.containerConfig(pod, c, attempt, podIP, hostIP, init);
    } catch (err) {
      if (!(err instanceof ContainerConfigError)) throw err;
      hints.waiting.set(c.name, { reason: "CreateContainerConfigError", message: err.message });
      this.recorder.event(pod, "Warning", "Failed", `Error: ${err.message}`);
      return 2000;
    }
    let id: string;
    try {
      id = await this.runtime.createContainer(sandboxId, config, this.sandboxConfig(pod, 0));
    } catch (err) {
      hints.waiting.set(c.name, { reason: "CreateContainerError", message: (err as Error).message });
      this.recorder.event(pod, "Warning", "Failed", `Error: ${(err as Error).message}`);
      return 2000;
    }
    this.recorder.event(pod, "Normal", "Created", `Created container ${c.name}`);
    try {
      await this.runtime.startContainer(id);
    } catch (err) {
      hints.waiting.set(c.name, { reason: "RunContainerError", message: (err as Error).message });
      this.recorder.event(pod, "Warning", "Failed", `Error: ${(err as Error).message}`);
      return 2000;
    }
    hints.waiting.delete(c.name);
    this.recorder.event(pod, "Normal", "Started", `Started container ${c.name}`);
    // Keep only the newest exited instance (for `kubectl logs --previous`).
    if (previous) {
      const older = previous.attempt;
      void this.pruneOlder(pod.metadata.uid ?? "", c.name, older);
    }
    return undefined;
  }

  private async pruneOlder(uid: string, name: string, keepAttempt: number): Promise<void> {
    try {
      const all = await this.runtime.listContainers({ label_selector: { [LABEL_POD_UID]: uid, [LABEL_CONTAINER_NAME]: name } });
      for (const c of all) if ((c.metadata?.attempt ?? 0) < keepAttempt) await this.runtime.removeContainer(c.id).catch(() => undefined);
    } catch (err) {
      this.log.debug({ err }, "pruning old containers failed");
    }
  }

  /** Stops every container (grace period each), then the sandboxes, then removes them all. */
  async killPod(pod: Pod | undefined, rt: PodRuntimeState, gracePeriodSeconds: number): Promise<void> {
    const running = rt.containers.filter((c) => c.state === "CONTAINER_RUNNING");
    await Promise.all(running.map(async (c) => {
      if (pod) this.recorder.event(pod, "Normal", "Killing", `Stopping container ${c.name}`);
      await this.runtime.stopContainer(c.id, gracePeriodSeconds).catch((err) => {
        if (!isRuntimeNotFound(err)) throw err;
      });
    }));
    for (const s of rt.sandboxes) {
      await this.runtime.stopPodSandbox(s.id).catch((err) => (isRuntimeNotFound(err) ? undefined : Promise.reject(err)));
      await this.runtime.removePodSandbox(s.id).catch((err) => (isRuntimeNotFound(err) ? undefined : Promise.reject(err)));
    }
    for (const c of rt.containers) await this.runtime.removeContainer(c.id).catch(() => undefined);
  }
}
