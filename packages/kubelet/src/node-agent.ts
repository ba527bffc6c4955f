/**
 * The runtime-backed kubelet: registers the Node from the host, heartbeats its Lease, keeps
 * the Ready condition in line with the runtime, and runs one serialized worker per pod UID
 * (Kubernetes' pod_workers), woken by informer events, by a PLEG-style relist of the runtime
 * every second, by probe result changes and by its own back-off timers.
 */
import { readFileSync } from "node:fs";
import { cpus, hostname, networkInterfaces, release, totalmem } from "node:os";
import { findResource, isConflict, isNotFound, type ConfigMap, type Lease, type Node, type PersistentVolume, type PersistentVolumeClaim, type Pod, type Secret } from "@kates/api";
import { EventRecorder, Informer, RestClient } from "@kates/client";
import type { Logger } from "@kates/component-base";
import { RuntimeClient, type RuntimeService } from "./cri/runtime-client.js";
import { LABEL_POD_UID } from "./labels.js";
import { HostGwAgent } from "./network/host-gw.js";
import { defaultRouteInterface, pickNodeIP } from "./network/node-ip.js";
import { RuntimeNetwork } from "./network/runtime-network.js";
import { NODE_LEASE_NAMESPACE, NodeLease } from "./node-lease.js";
import { registerNode, updateNodeStatus } from "./node-registration.js";
import { buildNode, conditionsDiffer, nodeConditions, nodeStatus, type NodeDescription } from "./node-status.js";
import type { KubeletOptions } from "./options.js";
import { computePodStatus, statusChanged } from "./pod-status.js";
import { PodSyncer } from "./pod-sync.js";
import { ProbeManager, defaultProbeRunner } from "./probes.js";
import { fromContainerStatus, normalize, type PodRuntimeState } from "./runtime-state.js";
import { sleep } from "@kates/component-base";
import { cleanupPodDir, type VolumeSource } from "./volumes.js";

/** The host's address on its default route's interface, else its first non-internal IPv4 address (never loopback). */
export function defaultNodeIP(): string {
  let routes = "";
  try {
    routes = readFileSync("/proc/net/route", "utf8");
  } catch {
    // Not Linux: any real interface will do.
  }
  return pickNodeIP(networkInterfaces(), defaultRouteInterface(routes));
}

interface PodWorker {
  busy: boolean;
  again: boolean;
  timer?: NodeJS.Timeout;
}

/** The node agent; `run` drives it until the signal aborts. */
export class NodeAgent {
  readonly rest: RestClient;
  readonly runtime: RuntimeService & Partial<Pick<RuntimeClient, "close">>;
  readonly podInformer: Informer<Pod>;
  private readonly syncer: PodSyncer;
  private readonly probes: ProbeManager;
  private readonly recorder: EventRecorder;
  private readonly workers = new Map<string, PodWorker>();
  private readonly podsByUid = new Map<string, Pod>();
  /** Last runtime state per uid, for the streaming server and the relist's change detection. */
  readonly runtimeStates = new Map<string, PodRuntimeState>();
  private readonly fingerprints = new Map<string, string>();
  private readonly hostIP: string;
  private readonly desc: NodeDescription;
  private runtimeReady = false;
  private runtimeMessage = "container runtime not answering yet";
  /** host-gw only: all Nodes (routes, and our own podCIDR), the route agent and the runtime handshake. */
  private readonly nodeInformer?: Informer<Node>;
  private readonly hostGw?: HostGwAgent;
  private readonly network?: RuntimeNetwork;
  /** Pods already told (by an event) that they wait for the network. */
  private readonly networkWarned = new Set<string>();
  private signal!: AbortSignal;

  constructor(private readonly opts: KubeletOptions, private readonly log: Logger, runtime?: RuntimeService) {
    this.rest = new RestClient({ server: opts.server, userAgent: `kates-kubelet/${opts.nodeName}`, qps: 100, burst: 200 });
    this.runtime = runtime ?? new RuntimeClient(opts.runtimeEndpoint);
    this.hostIP = opts.nodeIP || defaultNodeIP();
    const memKi = Math.floor(totalmem() / 1024);
    this.desc = {
      name: opts.nodeName,
      capacity: { cpu: String(cpus().length), memory: `${memKi}Ki`, pods: "110", "ephemeral-storage": "100Gi" },
      allocatable: { cpu: String(cpus().length), memory: `${Math.max(0, memKi - 100 * 1024)}Ki`, pods: "110", "ephemeral-storage": "100Gi" },
      addresses: [{ type: "InternalIP", address: this.hostIP }, { type: "Hostname", address: hostname() }],
      kubeletPort: opts.port,
      containerRuntimeVersion: "docker://unknown",
      kernelVersion: release(),
      osImage: "kates node",
    };
    const pods = findResource("", "v1", "pods")!;
    this.podInformer = new Informer<Pod>(this.rest.resource<Pod>(pods), { fieldSelector: `spec.nodeName=${opts.nodeName}`, logger: log.child({ informer: "pods" }) });
    this.recorder = new EventRecorder(this.rest, { component: "kubelet", host: opts.nodeName }, log);
    this.probes = new ProbeManager(
      defaultProbeRunner(this.runtime),
      (uid, container, kind, ok) => {
        log.info({ uid, container, kind, ok }, "probe result changed");
        this.enqueue(uid);
      },
      (pod, container, kind, message) => this.recorder.event(pod, "Warning", "Unhealthy", `${kind[0]!.toUpperCase()}${kind.slice(1)} probe failed: ${message}`.slice(0, 1024)),
    );
    this.syncer = new PodSyncer(this.runtime, this.volumeSource(), this.recorder, this.probes, opts, log);
    if (opts.podNetwork === "host-gw") {
      this.nodeInformer = new Informer<Node>(this.rest.resource<Node>(findResource("", "v1", "nodes")!), { logger: log.child({ informer: "nodes" }) });
      this.hostGw = new HostGwAgent(this.nodeInformer, { nodeName: opts.nodeName, clusterCIDR: opts.clusterCIDR ?? "10.244.0.0/16", routeProtocol: opts.routeProtocol }, log.child({ part: "host-gw" }));
      this.network = new RuntimeNetwork(this.runtime, log.child({ part: "pod-network" }), () => {
        // Pods that waited for the network can have their sandboxes now.
        for (const uid of this.podsByUid.keys()) this.enqueue(uid);
      });
      const mine = (n: Node) => n.metadata.name === opts.nodeName && void this.syncNetwork();
      this.nodeInformer.on("add", mine).on("update", (_o, n) => mine(n));
    }
  }

  /** Node Ready: the runtime answers and (host-gw) the pod network is ready. */
  private get nodeReady(): boolean {
    return this.runtimeReady && (this.network?.ready ?? true);
  }

  private get nodeMessage(): string {
    if (!this.runtimeReady) return this.runtimeMessage;
    return this.network && !this.network.ready ? this.network.notReadyMessage() : "";
  }

  private async syncNetwork(): Promise<void> {
    if (!this.network || !this.nodeInformer?.hasSynced()) return;
    await this.network.sync(this.nodeInformer.lister.get("", this.opts.nodeName), this.hostGw?.programmed ?? true);
  }

  private volumeSource(): VolumeSource {
    const get = async <T extends Pod | ConfigMap | Secret | PersistentVolume | PersistentVolumeClaim>(resource: string, ns: string | undefined, name: string): Promise<T | undefined> => {
      try {
        return await this.rest.resource<T>(findResource("", "v1", resource)!, ns).get(name);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    };
    return {
      configMap: (ns, name) => get<ConfigMap>("configmaps", ns, name),
      secret: (ns, name) => get<Secret>("secrets", ns, name),
      pvc: (ns, name) => get<PersistentVolumeClaim>("persistentvolumeclaims", ns, name),
      pv: (name) => get<PersistentVolume>("persistentvolumes", undefined, name),
    };
  }

  /** Wakes the pod's worker; while it runs, one more sync is queued. */
  enqueue(uid: string, afterMs = 0): void {
    if (this.signal?.aborted) return;
    const w = this.workers.get(uid) ?? { busy: false, again: false };
    this.workers.set(uid, w);
    if (afterMs > 0) {
      clearTimeout(w.timer);
      w.timer = setTimeout(() => this.enqueue(uid), afterMs);
      w.timer.unref();
      return;
    }
    if (w.busy) {
      w.again = true;
      return;
    }
    w.busy = true;
    void this.work(uid, w);
  }

  private async work(uid: string, w: PodWorker): Promise<void> {
    do {
      w.again = false;
      try {
        const again = await this.syncPodByUid(uid);
        if (again !== undefined) this.enqueue(uid, Math.max(50, again));
      } catch (err) {
        this.log.warn({ err, uid }, "pod sync failed; retrying");
        this.enqueue(uid, 1000);
      }
    } while (w.again && !this.signal.aborted);
    w.busy = false;
  }

  /** The runtime's view of one pod, with detailed container statuses. */
  async podRuntimeState(uid: string): Promise<PodRuntimeState> {
    const sel = { label_selector: { [LABEL_POD_UID]: uid } };
    const [sandboxes, containers] = await Promise.all([this.runtime.listPodSandbox(sel), this.runtime.listContainers(sel)]);
    const statuses = await Promise.all(containers.map((c) => this.runtime.containerStatus(c.id).catch(() => undefined)));
    const sbx = await Promise.all(sandboxes.map(async (s) => {
      const ready = s.state === "SANDBOX_READY";
      const ip = ready ? (await this.runtime.podSandboxStatus(s.id).catch(() => undefined))?.network?.ip : undefined;
      return { id: s.id, ready, attempt: s.metadata?.attempt ?? 0, createdAt: Math.floor(s.created_at / 1e6), ip };
    }));
    const state = normalize({ sandboxes: sbx, containers: statuses.filter((s) => s !== undefined).map(fromContainerStatus) });
    this.runtimeStates.set(uid, state);
    return state;
  }

  private async syncPodByUid(uid: string): Promise<number | undefined> {
    const pod = this.podsByUid.get(uid);
    const live = pod ? this.podInformer.lister.get(pod.metadata.namespace ?? "", pod.metadata.name ?? "") : undefined;
    const current = live?.metadata.uid === uid ? live : undefined;
    let rt = await this.podRuntimeState(uid);
    if (!current || current.metadata.deletionTimestamp) {
      const grace = current ? current.metadata.deletionGracePeriodSeconds ?? current.spec?.terminationGracePeriodSeconds ?? 30 : 0;
      await this.syncer.killPod(current, rt, grace);
      this.syncer.forget(uid);
      if (current) {
        await this.rest.resource<Pod>(findResource("", "v1", "pods")!, current.metadata.namespace).delete(current.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid } }).catch((err) => {
          if (!isNotFound(err) && !isConflict(err)) throw err;
        });
      }
      await cleanupPodDir(this.opts.rootDir, uid).catch(() => undefined);
      this.runtimeStates.delete(uid);
      this.fingerprints.delete(uid);
      this.networkWarned.delete(uid);
      if (!current) {
        this.podsByUid.delete(uid);
        this.workers.delete(uid);
      }
      return undefined;
    }
    // The fingerprint records the state this sync decided on, not the state it left behind:
    // whatever changed since (containers it started, one that exited at once) differs, so the
    // next relist wakes the worker again. Level-triggered: a quick crash is never missed.
    this.fingerprints.set(uid, fingerprint(rt));
    if (this.network && !this.network.ready && !current.spec?.hostNetwork && !rt.sandboxes.some((s) => s.ready)) {
      // As a real kubelet: no sandbox until the pod network is ready; the pod stays Pending.
      if (!this.networkWarned.has(uid)) {
        this.networkWarned.add(uid);
        this.recorder.event(current, "Warning", "NetworkNotReady", `network is not ready: ${this.network.notReadyMessage()}`);
      }
      await this.writeStatus(current, rt);
      return undefined;
    }
    this.networkWarned.delete(uid);
    const again = await this.syncer.syncPod(current, rt, this.hostIP);
    rt = await this.podRuntimeState(uid);
    await this.writeStatus(current, rt);
    return again;
  }

  private async writeStatus(pod: Pod, rt: PodRuntimeState): Promise<void> {
    const pods = this.rest.resource<Pod>(findResource("", "v1", "pods")!, pod.metadata.namespace);
    let base = pod;
    for (let attempt = 0; attempt < 5; attempt++) {
      const status = computePodStatus(base, rt, this.syncer.hintsFor(base), this.hostIP);
      if (!statusChanged(base.status, status)) return;
      try {
        await pods.updateStatus({ ...structuredClone(base), status });
        return;
      } catch (err) {
        if (isNotFound(err)) return;
        if (!isConflict(err)) throw err;
        base = await pods.get(pod.metadata.name!);
        if (base.metadata.uid !== pod.metadata.uid) return;
      }
    }
  }

  /** PLEG: relist the runtime and wake workers of pods whose containers changed. */
  private async relist(): Promise<void> {
    const [sandboxes, containers] = await Promise.all([this.runtime.listPodSandbox(), this.runtime.listContainers()]);
    const byUid = new Map<string, string[]>();
    for (const s of sandboxes) {
      const uid = s.labels?.[LABEL_POD_UID];
      if (uid) (byUid.get(uid) ?? byUid.set(uid, []).get(uid)!).push(`s:${s.id}:${s.state}`);
    }
    for (const c of containers) {
      const uid = c.labels?.[LABEL_POD_UID];
      if (uid) (byUid.get(uid) ?? byUid.set(uid, []).get(uid)!).push(`c:${c.id}:${c.state}`);
    }
    for (const [uid, parts] of byUid) {
      const fp = parts.sort().join(",");
      if (this.fingerprints.get(uid) !== fp) {
        this.fingerprints.set(uid, fp);
        this.enqueue(uid);
      }
    }
  }

  private async heartbeat(): Promise<void> {
    try {
      const v = await this.runtime.version();
      this.desc.containerRuntimeVersion = `${v.runtime_name || "docker"}://${v.runtime_version}`;
      this.runtimeReady = true;
      this.runtimeMessage = "";
    } catch (err) {
      this.runtimeReady = false;
      this.runtimeMessage = `container runtime is down: ${(err as Error).message}`;
    }
  }

  /** Runs until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    this.signal = signal;
    const log = this.log;
    await this.heartbeat();
    const nodes = this.rest.resource<Node>(findResource("", "v1", "nodes")!);
    let node = await registerNode(nodes, buildNode(this.desc, this.nodeReady, this.nodeMessage), signal);
    log.info({ node: this.opts.nodeName, ip: this.hostIP, runtimeReady: this.runtimeReady }, "node registered");
    const lease = new NodeLease(this.rest.resource<Lease>(findResource("coordination.k8s.io", "v1", "leases")!, NODE_LEASE_NAMESPACE), this.opts.nodeName, 4, node.metadata.uid);

    const leaseLoop = (async () => {
      while (!signal.aborted) {
        await lease.renew().catch((err) => log.warn({ err }, "lease renewal failed"));
        await sleep(this.opts.leaseRenewMs, signal);
      }
    })();
    const statusLoop = (async () => {
      let lastPost = Date.now();
      while (!signal.aborted) {
        await sleep(Math.min(1000, this.opts.nodeStatusUpdateMs), signal);
        if (signal.aborted) break;
        const wasReady = this.nodeReady;
        await this.heartbeat();
        await this.syncNetwork();
        const fresh = nodeConditions(this.nodeReady, this.nodeMessage);
        if (wasReady === this.nodeReady && !conditionsDiffer(node.status?.conditions, fresh) && Date.now() - lastPost < this.opts.nodeStatusUpdateMs) continue;
        try {
          node = await nodes.get(this.opts.nodeName);
          node = await updateNodeStatus(nodes, node, nodeStatus(this.desc, this.nodeReady, this.nodeMessage), signal);
          lastPost = Date.now();
        } catch (err) {
          if (!signal.aborted) log.warn({ err }, "node status update failed");
        }
      }
    })();

    const onPod = (p: Pod) => {
      const uid = p.metadata.uid ?? "";
      this.podsByUid.set(uid, p);
      this.enqueue(uid);
    };
    // The kubelet's own status writes come back as updates: a sync for each would re-list the
    // runtime for nothing (with 30 pods starting, that doubled the engine calls on the critical path).
    const onUpdate = (o: Pod, p: Pod) => (statusOnlyChange(o, p) ? this.podsByUid.set(p.metadata.uid ?? "", p) : onPod(p));
    this.podInformer.on("add", onPod).on("update", onUpdate).on("delete", (p) => this.enqueue(p.metadata.uid ?? ""));
    const informerDone = this.podInformer.start(signal);
    await this.podInformer.waitForSync(signal);
    log.info({ pods: this.podInformer.lister.list().length }, "pod informer synced");

    const nodeInformerDone = this.nodeInformer?.start(signal);
    const hostGwDone = this.hostGw?.run(signal).catch((err) => log.error({ err }, "host-gw agent stopped"));

    const plegLoop = (async () => {
      while (!signal.aborted) {
        await this.relist().catch((err) => log.debug({ err }, "relist failed"));
        await sleep(this.opts.relistMs, signal);
      }
    })();

    await Promise.all([leaseLoop, statusLoop, informerDone, plegLoop, nodeInformerDone, hostGwDone]);
    this.probes.stopAll();
    for (const w of this.workers.values()) clearTimeout(w.timer);
    this.runtime.close?.();
    this.rest.close();
  }

  /** What the streaming server needs to find a pod's containers. */
  resolvePod(namespace: string, name: string): { pod: Pod; sandboxId?: string; containers: Map<string, { id: string; previousId?: string }>; defaultContainer: string } | undefined {
    const pod = this.podInformer.lister.get(namespace, name);
    if (!pod) return undefined;
    const rt = this.runtimeStates.get(pod.metadata.uid ?? "");
    const containers = new Map<string, { id: string; previousId?: string }>();
    for (const c of rt?.containers ?? []) {
      const e = containers.get(c.name);
      if (!e) containers.set(c.name, { id: c.id });
      else if (!e.previousId) e.previousId = c.id;
    }
    return { pod, sandboxId: rt?.sandboxes.find((s) => s.ready)?.id, containers, defaultContainer: pod.spec?.containers[0]?.name ?? "" };
  }
}

/** True when only status (and bookkeeping metadata) differs: nothing for a pod worker to do. */
export function statusOnlyChange(o: Pod, p: Pod): boolean {
  const strip = (x: Pod) => JSON.stringify({ ...x, status: undefined, metadata: { ...x.metadata, resourceVersion: undefined, managedFields: undefined } });
  return o.metadata.uid === p.metadata.uid && strip(o) === strip(p);
}

function fingerprint(rt: PodRuntimeState): string {
  return [...rt.sandboxes.map((s) => `s:${s.id}:${s.ready ? "SANDBOX_READY" : "SANDBOX_NOTREADY"}`), ...rt.containers.map((c) => `c:${c.id}:${c.state}`)].sort().join(",");
}
