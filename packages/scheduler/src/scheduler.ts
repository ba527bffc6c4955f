/**
 * The scheduler: watches pods and nodes, keeps pending pods in a SchedulingQueue, places each
 * with Algorithm (filters, then scores) and binds it through pods/NAME/binding. It handles
 * pods whose spec.schedulerName is "default-scheduler" (or unset), that have no nodeName and
 * are not being deleted. Active only while it holds the kube-system/kube-scheduler Lease;
 * losing the Lease ends the process, as in Kubernetes: a fresh start rebuilds everything
 * from the API.
 */
import os from "node:os";
import { setImmediate as yieldToIO } from "node:timers/promises";
import { findResource, isConflict, isNotFound, type Node, type Pod } from "@kates/api";
import { EventRecorder, Informer, RestClient, objectKey, runLeaderElected, waitForCacheSync } from "@kates/client";
import { startHealthServer, type Logger } from "@kates/component-base";
import { Algorithm } from "./algorithm.js";
import { Binder } from "./binder.js";
import { DEFAULT_FILTERS, DEFAULT_SCORES } from "./plugins/index.js";
import { podInfo } from "./pod-info.js";
import { SchedulingQueue, type QueuedPod } from "./queue.js";
import { SchedulerCache } from "./scheduler-cache.js";

export const DEFAULT_SCHEDULER_NAME = "default-scheduler";

export interface SchedulerOptions {
  /** Bindings in flight at once. */
  parallelism: number;
  /** 0: adaptive (Kubernetes' default); 100: always every node. */
  percentageOfNodesToScore: number;
}

export interface RunOptions extends SchedulerOptions {
  server: string;
  healthPort: number;
  bindAddress: string;
  leaderElect: boolean;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  /** Client-side rate limit for bindings and status writes (0: none). */
  qps: number;
  burst: number;
  identity?: string;
}

const isTerminal = (p: Pod) => p.status?.phase === "Succeeded" || p.status?.phase === "Failed";

/** One scheduler instance's work while it leads: informers, queue, cycle loop, binder. */
export class Scheduler {
  readonly cache = new SchedulerCache();
  readonly queue = new SchedulingQueue();
  private readonly algorithm: Algorithm;
  private readonly binder: Binder;
  private readonly pods: Informer<Pod>;
  private readonly nodes: Informer<Node>;
  /** Counters for /metrics and the benchmark. */
  readonly metrics = { scheduled: 0, bound: 0, unschedulable: 0, bindErrors: 0 };

  constructor(
    private readonly rest: RestClient,
    private readonly recorder: EventRecorder,
    private readonly statusRest: RestClient,
    private readonly log: Logger,
    options: SchedulerOptions,
  ) {
    this.algorithm = new Algorithm(this.cache, DEFAULT_FILTERS, DEFAULT_SCORES, options.percentageOfNodesToScore);
    this.binder = new Binder(Math.max(1, options.parallelism));
    this.pods = new Informer<Pod>(rest.resource<Pod>(findResource("", "v1", "pods")!), { logger: log });
    this.nodes = new Informer<Node>(rest.resource<Node>(findResource("", "v1", "nodes")!), { logger: log });
    this.pods.on("add", (p) => this.addPod(p));
    this.pods.on("update", (o, p) => this.updatePod(o, p));
    this.pods.on("delete", (p) => this.deletePod(p));
    this.nodes.on("add", (n) => {
      this.cache.addOrUpdateNode(n);
      this.queue.moveAllToActive();
    });
    this.nodes.on("update", (o, n) => {
      this.cache.addOrUpdateNode(n);
      if (nodeSchedulingChanged(o, n)) this.queue.moveAllToActive();
    });
    this.nodes.on("delete", (n) => this.cache.removeNode(n.metadata.name ?? ""));
  }

  /** Runs until signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    const informers = [this.pods.start(signal), this.nodes.start(signal)];
    signal.addEventListener("abort", () => this.queue.close(), { once: true });
    if (!(await waitForCacheSync(signal, this.pods, this.nodes))) return;
    this.log.info({ nodes: this.cache.nodes().length, pending: this.queue.stats.active }, "caches synced, scheduling");
    let sinceYield = 0;
    let lastYield = performance.now();
    for (;;) {
      const qp = await this.queue.pop();
      if (!qp) break;
      this.scheduleOne(qp);
      // The cycle is synchronous; give informer and binding I/O a turn now and then.
      if (++sinceYield >= 64 || performance.now() - lastYield > 20) {
        await yieldToIO();
        sinceYield = 0;
        lastYield = performance.now();
      }
    }
    await this.binder.idle();
    await Promise.allSettled(informers);
  }

  private responsibleFor(p: Pod): boolean {
    return !p.spec?.nodeName && !p.metadata.deletionTimestamp && (p.spec?.schedulerName ?? DEFAULT_SCHEDULER_NAME) === DEFAULT_SCHEDULER_NAME;
  }

  addPod(p: Pod): void {
    if (isTerminal(p)) return;
    if (p.spec?.nodeName) this.cache.addOrUpdateAssignedPod(p);
    else if (this.responsibleFor(p)) this.queue.add(objectKey(p), p);
  }

  updatePod(old: Pod, p: Pod): void {
    const key = objectKey(p);
    if (p.spec?.nodeName) {
      this.queue.delete(key);
      if (!isTerminal(p)) this.cache.addOrUpdateAssignedPod(p);
      else if (this.cache.isKnown(podInfo(p).uid)) {
        // A finished pod frees its requests: pods waiting for room may fit now.
        this.cache.removePod(podInfo(p).uid);
        this.queue.moveAllToActive();
      }
      return;
    }
    if (this.cache.isAssumed(podInfo(p).uid)) return; // binding in flight
    if (this.responsibleFor(p) && !isTerminal(p)) this.queue.update(key, old, p);
    else this.queue.delete(key);
  }

  deletePod(p: Pod): void {
    this.queue.delete(objectKey(p));
    const uid = podInfo(p).uid;
    if (this.cache.isKnown(uid)) {
      this.cache.removePod(uid);
      this.queue.moveAllToActive();
    }
  }

  /** One scheduling cycle: decide synchronously, assume, and leave the binding to the binder. */
  private scheduleOne(qp: QueuedPod): void {
    const current = this.pods.lister.get(qp.pod.metadata.namespace, qp.pod.metadata.name ?? "");
    if (!current || !this.responsibleFor(current) || current.metadata.uid !== qp.pod.metadata.uid) {
      this.queue.done(qp.key);
      return;
    }
    qp.pod = current;
    const info = podInfo(current);
    const result = this.algorithm.schedule(info);
    if (!result.ok) {
      this.metrics.unschedulable++;
      this.log.debug({ pod: qp.key, reason: result.message }, "unschedulable");
      this.queue.addUnschedulable(qp);
      this.recorder.event(current, "Warning", "FailedScheduling", result.message);
      void this.setUnschedulableCondition(current, result.message);
      return;
    }
    this.metrics.scheduled++;
    this.cache.assumePod(current, result.nodeName);
    this.binder.submit(() => this.bind(qp, result.nodeName));
  }

  private async bind(qp: QueuedPod, nodeName: string): Promise<void> {
    const { namespace = "", name = "" } = qp.pod.metadata;
    try {
      await this.rest.createBinding(namespace, name, nodeName);
      this.metrics.bound++;
      this.queue.done(qp.key);
      this.recorder.event(qp.pod, "Normal", "Scheduled", `Successfully assigned ${namespace}/${name} to ${nodeName}`);
    } catch (err) {
      this.cache.forgetPod(podInfo(qp.pod).uid);
      if (isNotFound(err) || isConflict(err)) {
        // Deleted meanwhile, or already bound (by a previous leader): nothing left to do.
        this.log.debug({ pod: qp.key, err }, "binding not needed any more");
        this.queue.done(qp.key);
        return;
      }
      this.metrics.bindErrors++;
      this.log.warn({ pod: qp.key, node: nodeName, err }, "binding failed, retrying after back-off");
      this.queue.addBackoff(qp);
    }
  }

  /** PodScheduled=False/Unschedulable with the FailedScheduling message, as `kubectl describe` shows. */
  private async setUnschedulableCondition(pod: Pod, message: string): Promise<void> {
    const prior = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
    if (prior?.status === "False" && prior.reason === "Unschedulable" && prior.message === message) return;
    const condition = { type: "PodScheduled", status: "False", reason: "Unschedulable", message, lastProbeTime: null, lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, "Z") };
    try {
      await this.statusRest.resource<Pod>(findResource("", "v1", "pods")!, pod.metadata.namespace)
        .patch(pod.metadata.name ?? "", { status: { conditions: [condition] } }, "strategic", { subresource: "status" });
    } catch (err) {
      this.log.debug({ pod: objectKey(pod), err }, "could not set the PodScheduled condition");
    }
  }
}

/** Node changes that can turn an unschedulable pod schedulable (not heartbeats). */
export function nodeSchedulingChanged(a: Node, b: Node): boolean {
  const ready = (n: Node) => n.status?.conditions?.find((c) => c.type === "Ready")?.status;
  return ready(a) !== ready(b)
    || a.spec?.unschedulable !== b.spec?.unschedulable
    || JSON.stringify(a.spec?.taints) !== JSON.stringify(b.spec?.taints)
    || JSON.stringify(a.metadata.labels) !== JSON.stringify(b.metadata.labels)
    || JSON.stringify(a.status?.allocatable) !== JSON.stringify(b.status?.allocatable);
}

/** The daemon: health server, leader election, and a Scheduler while leading. */
export async function run(options: RunOptions, log: Logger, signal: AbortSignal): Promise<void> {
  const rest = new RestClient({ server: options.server, userAgent: "kates-scheduler", qps: options.qps, burst: options.burst });
  // Events and status conditions get their own client and a lower rate, so they never
  // delay bindings; they are best-effort, as in Kubernetes.
  const aux = new RestClient({ server: options.server, userAgent: "kates-scheduler", qps: 100, burst: 200 });
  // Lease renewals must not queue behind a burst of bindings on the client side.
  const electionRest = new RestClient({ server: options.server, userAgent: "kates-scheduler/leader-election" });
  let scheduler: Scheduler | undefined;
  const health = await startHealthServer({
    host: options.bindAddress,
    port: options.healthPort,
    liveness: { ping: () => {} },
    readiness: { apiserver: async () => void (await rest.request({ method: "GET", path: "/readyz", accept: "text/plain" })) },
    routes: {
      "/leader": (_req, res) => void res.end(scheduler ? "leader\n" : "standby\n"),
      "/metrics": (_req, res) => {
        const m = { ...(scheduler?.metrics ?? {}), ...(scheduler?.queue.stats ?? {}) };
        res.setHeader("content-type", "text/plain");
        res.end(Object.entries(m).map(([k, v]) => `kates_scheduler_${k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)} ${v}\n`).join(""));
      },
    },
  });
  const identity = options.identity ?? `${os.hostname()}_${process.pid}`;
  const lead = async (leaderSignal: AbortSignal) => {
    const recorder = new EventRecorder(aux, { component: DEFAULT_SCHEDULER_NAME }, log);
    scheduler = new Scheduler(rest, recorder, aux, log, options);
    await scheduler.run(leaderSignal);
  };
  try {
    await runLeaderElected({
      enabled: options.leaderElect,
      client: electionRest,
      name: "kube-scheduler",
      namespace: "kube-system",
      identity,
      leaseDurationMs: options.leaseDurationMs,
      renewDeadlineMs: options.renewDeadlineMs,
      retryPeriodMs: options.retryPeriodMs,
      logger: log,
    }, lead, signal);
  } finally {
    await health.close();
    rest.close();
    aux.close();
    electionRest.close();
  }
}
