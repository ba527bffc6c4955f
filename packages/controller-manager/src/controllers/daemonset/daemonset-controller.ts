/**
 * DaemonSetController reconciles apps/v1 DaemonSets: one pod per eligible node.
 *
 * Primary: DaemonSet. Secondary: Pods it controls. Also watches Nodes: a node joining,
 * leaving or changing labels or taints re-syncs every DaemonSet. Pods are created unbound
 * with a required node affinity on `metadata.name` and the scheduler binds them (as
 * Kubernetes does since 1.12), so resource accounting stays in one place.
 *
 * Revisions: every sync first makes the current template's apps/v1 ControllerRevision
 * `<ds>-<hash>` the newest (creating it, or renumbering an older one holding the same
 * template, which `kubectl rollout undo` relies on; see shared/history.ts). Pods carry the
 * bare hash in `controller-revision-hash`, as Kubernetes' DaemonSet pods do, and revisions no
 * pod runs are trimmed to spec.revisionHistoryLimit. RollingUpdate deletes old-revision pods
 * while at most maxUnavailable desired nodes lack an available pod; the next sync recreates
 * them from the new template. OnDelete leaves old pods alone.
 */
import type { ControllerRevision, DaemonSet, Node, Pod } from "@kates/api";
import { realClock, splitKey, WorkQueue, type Clock, type Lister, type Logger } from "@kates/client";
import type { ControllerContext, ControllerDescriptor } from "../../controller-context.js";
import { CountingExpectations } from "../shared/expectations.js";
import {
  isControlledBy, isPodAvailable, isPodReady, newControllerRef, R, restObjectClient, runQueue, sameJson, watchOwnedPods,
  templateHash, type ObjectClient, type Recorder,
} from "../job/workload-utils.js";
import { CONTROLLER_REVISIONS, ensureUpdateRevision, trimHistory } from "../shared/history.js";
import { daemonPodNode, daemonPodSpec, nodeShouldRunDaemonPod, resolveMaxUnavailable } from "./daemonset-utils.js";

/** The pod label holding the template revision. */
export const REVISION_LABEL = "controller-revision-hash";

export interface DaemonSetControllerDeps {
  daemonsets: Lister<DaemonSet>;
  pods: Lister<Pod>;
  nodes: Lister<Node>;
  revisions: Lister<ControllerRevision>;
  client: ObjectClient;
  recorder: Recorder;
  log: Logger;
  clock?: Clock;
}

export class DaemonSetController {
  readonly queue: WorkQueue<string>;
  readonly expectations: CountingExpectations;
  private readonly clock: Clock;

  constructor(private readonly d: DaemonSetControllerDeps) {
    this.clock = d.clock ?? realClock;
    this.queue = new WorkQueue<string>({ clock: this.clock });
    this.expectations = new CountingExpectations(() => this.clock.now());
  }

  enqueue(ds: DaemonSet): void {
    this.queue.add(`${ds.metadata.namespace}/${ds.metadata.name}`);
  }

  enqueueAll(): void {
    for (const ds of this.d.daemonsets.list()) this.enqueue(ds);
  }

  updateNode(old: Node, node: Node): void {
    const shape = (n: Node) => [n.metadata.labels, n.spec?.taints?.map((t) => [t.key, t.value, t.effect])];
    if (!sameJson(shape(old), shape(node))) this.enqueueAll();
  }

  /** Reconciles one DaemonSet; throws to be retried. */
  async syncDaemonSet(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.d.daemonsets.get(namespace, name);
    if (!cached) {
      this.expectations.forget(key);
      return;
    }
    const ds = structuredClone(cached);
    const spec = ds.spec?.template?.spec ?? { containers: [] };
    const hash = templateHash(ds.spec?.template);
    const now = this.clock.now();
    const pods = this.d.pods.list(namespace, (p) => isControlledBy(p, ds.metadata.uid));
    const revisions = this.d.revisions.list(namespace, (r) => isControlledBy(r, ds.metadata.uid));
    await ensureUpdateRevision(this.d.client, ds, "DaemonSet", revisions);
    const byNode = new Map<string, Pod[]>();
    for (const p of pods) {
      const n = daemonPodNode(p) ?? "";
      byNode.set(n, [...(byNode.get(n) ?? []), p]);
    }

    const toCreate: string[] = [];
    const toDelete: Pod[] = [];
    const desired = new Map<string, Pod | undefined>();
    let misscheduled = 0;
    for (const node of this.d.nodes.list()) {
      const nodeName = node.metadata.name!;
      const onNode = byNode.get(nodeName) ?? [];
      byNode.delete(nodeName);
      const live = onNode.filter((p) => !p.metadata.deletionTimestamp);
      const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, spec);
      if (!shouldRun && live.length > 0) misscheduled++;
      if (shouldRun) {
        const failed = live.filter((p) => p.status?.phase === "Failed" || p.status?.phase === "Succeeded");
        toDelete.push(...failed);
        const ok = live.filter((p) => !failed.includes(p)).sort((a, b) => (a.metadata.creationTimestamp ?? "").localeCompare(b.metadata.creationTimestamp ?? ""));
        // Wait for a terminating pod to go before starting its successor (no surge).
        if (ok.length === 0 && live.length === onNode.length && failed.length === 0) toCreate.push(nodeName);
        toDelete.push(...ok.slice(1));
        desired.set(nodeName, ok[0]);
      } else if (!shouldContinueRunning) toDelete.push(...live);
    }
    // Pods for nodes that no longer exist.
    for (const rest of byNode.values()) toDelete.push(...rest.filter((p) => !p.metadata.deletionTimestamp));

    if (this.expectations.satisfied(key)) {
      if (ds.spec?.updateStrategy?.type !== "OnDelete") toDelete.push(...this.rollingUpdateVictims(ds, desired, hash, now));
      await this.manage(key, ds, spec, hash, toCreate, toDelete);
    }
    await this.updateStatus(ds, desired, misscheduled, hash, now);
    // A revision some pod still runs (by its hash label) is kept whatever the limit.
    const inUse = [hash, ...pods.map((p) => p.metadata.labels?.[REVISION_LABEL])].map((h) => h && `${ds.metadata.name}-${h}`);
    await trimHistory(this.d.client, ds, revisions, inUse);
  }

  /** Old-revision pods to delete now, keeping unavailable desired nodes within maxUnavailable. */
  private rollingUpdateVictims(ds: DaemonSet, desired: Map<string, Pod | undefined>, hash: string, now: number): Pod[] {
    const maxUnavailable = resolveMaxUnavailable(ds.spec?.updateStrategy?.rollingUpdate?.maxUnavailable, desired.size);
    const minReady = ds.spec?.minReadySeconds;
    let unavailable = [...desired.values()].filter((p) => !p || !isPodAvailable(p, minReady, now)).length;
    const old = [...desired.values()].filter((p): p is Pod => !!p && p.metadata.labels?.[REVISION_LABEL] !== hash);
    const victims = old.filter((p) => !isPodAvailable(p, minReady, now));
    for (const p of old.filter((q) => isPodAvailable(q, minReady, now))) {
      if (unavailable >= maxUnavailable) break;
      victims.push(p);
      unavailable++;
    }
    return victims;
  }

  private async manage(key: string, ds: DaemonSet, spec: NonNullable<DaemonSet["spec"]>["template"]["spec"], hash: string, toCreate: string[], toDelete: Pod[]): Promise<void> {
    if (toCreate.length === 0 && toDelete.length === 0) return;
    this.expectations.expect(key, toCreate.length, toDelete.length);
    const tpl = ds.spec?.template;
    const errors: unknown[] = [];
    await Promise.all(toCreate.map(async (nodeName) => {
      const pod: Pod = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: {
          generateName: `${ds.metadata.name}-`,
          namespace: ds.metadata.namespace,
          labels: { ...tpl?.metadata?.labels, [REVISION_LABEL]: hash },
          annotations: tpl?.metadata?.annotations ? { ...tpl.metadata.annotations } : undefined,
          ownerReferences: [newControllerRef(ds, "apps/v1", "DaemonSet")],
        },
        spec: daemonPodSpec(spec ?? { containers: [] }, nodeName),
      };
      try {
        const created = await this.d.client.create(R.pods, ds.metadata.namespace, pod);
        this.d.recorder.event(ds, "Normal", "SuccessfulCreate", `Created pod: ${created.metadata.name}`);
      } catch (err) {
        this.expectations.creationObserved(key);
        this.d.recorder.event(ds, "Warning", "FailedCreate", `Error creating: ${(err as Error).message}`);
        errors.push(err);
      }
    }));
    await Promise.all(toDelete.map(async (p) => {
      try {
        await this.d.client.delete(R.pods, p.metadata.namespace, p.metadata.name!);
        this.d.recorder.event(ds, "Normal", "SuccessfulDelete", `Deleted pod: ${p.metadata.name}`);
      } catch (err) {
        this.expectations.deletionObserved(key);
        if ((err as { code?: number }).code !== 404) errors.push(err);
      }
    }));
    if (errors.length) throw new Error(`sync daemonset ${key}: ${errors.length} pod operations failed`, { cause: errors[0] });
  }

  private async updateStatus(ds: DaemonSet, desired: Map<string, Pod | undefined>, misscheduled: number, hash: string, now: number): Promise<void> {
    const present = [...desired.values()].filter((p): p is Pod => !!p);
    const available = present.filter((p) => isPodAvailable(p, ds.spec?.minReadySeconds, now)).length;
    const status = {
      ...ds.status,
      desiredNumberScheduled: desired.size,
      currentNumberScheduled: present.length,
      numberMisscheduled: misscheduled,
      numberReady: present.filter(isPodReady).length,
      numberAvailable: available,
      numberUnavailable: desired.size - available,
      updatedNumberScheduled: present.filter((p) => p.metadata.labels?.[REVISION_LABEL] === hash).length,
      observedGeneration: ds.metadata.generation,
    };
    if (sameJson(status, ds.status)) return;
    ds.status = status;
    await this.d.client.updateStatus(R.daemonsets, ds);
    // Availability after minReadySeconds is a time, not an event: look again then.
    if (ds.spec?.minReadySeconds && available < present.length) this.queue.addAfter(`${ds.metadata.namespace}/${ds.metadata.name}`, ds.spec.minReadySeconds * 1000);
  }
}

/** The "daemonset" entry of the controller table. */
export const daemonSetDescriptor: ControllerDescriptor = {
  name: "daemonset",
  create(ctx: ControllerContext) {
    const daemonsets = ctx.informers.informerFor<DaemonSet>(R.daemonsets);
    const pods = ctx.informers.informerFor<Pod>(R.pods);
    const nodes = ctx.informers.informerFor<Node>(R.nodes);
    const revisions = ctx.informers.informerFor<ControllerRevision>(CONTROLLER_REVISIONS);
    const c = new DaemonSetController({
      daemonsets: daemonsets.lister, pods: pods.lister, nodes: nodes.lister, revisions: revisions.lister,
      client: restObjectClient(ctx.rest), recorder: ctx.recorder("daemonset-controller"), log: ctx.log,
    });
    daemonsets.on("add", (ds) => c.enqueue(ds));
    daemonsets.on("update", (_o, ds) => c.enqueue(ds));
    watchOwnedPods(pods, "DaemonSet", c.expectations, (key) => c.queue.add(key));
    nodes.on("add", () => c.enqueueAll());
    nodes.on("update", (o, n) => c.updateNode(o, n));
    nodes.on("delete", () => c.enqueueAll());
    return { run: (signal) => runQueue(c.queue, [daemonsets, pods, nodes, revisions], ctx.options.workers, (k) => c.syncDaemonSet(k), signal, ctx.log) };
  },
};
