/**
 * StatefulSetController reconciles apps/v1 StatefulSets: pods with stable names
 * `<sts>-0..N-1`, stable storage and, with OrderedReady, one-at-a-time ordered changes.
 *
 * Primary: StatefulSet. Secondary: Pods it controls, and PersistentVolumeClaims it creates
 * from volumeClaimTemplates (`<template>-<sts>-<ordinal>`, never deleted: retention is
 * Retain, so a recreated pod finds its data). Triggers: StatefulSet and Pod changes.
 *
 * Each sync takes at most one step under OrderedReady: create the lowest missing ordinal once
 * all lower ones are Running and Ready; otherwise delete the highest condemned ordinal;
 * otherwise roll the highest out-of-date ordinal at or above the partition. Parallel creates
 * and deletes without waiting.
 *
 * Revisions are apps/v1 ControllerRevisions `<sts>-<template hash>` (see shared/history.ts):
 * every sync first makes the current template's revision the newest (creating it, or
 * renumbering an older one holding the same template, which is what `kubectl rollout undo`
 * relies on), pods carry its name in controller-revision-hash, a pod recreated below the
 * partition gets the current revision's template, and revisions no pod uses are trimmed to
 * spec.revisionHistoryLimit. Revision names hash the template alone, so kates never needs
 * status.collisionCount; a colliding name fails the sync instead.
 */
import type { ControllerRevision, PersistentVolumeClaim, Pod, StatefulSet } from "@kates/api";
import { isAlreadyExists, isNotFound } from "@kates/api";
import { realClock, splitKey, WorkQueue, type Clock, type Lister, type Logger } from "@kates/client";
import type { ControllerContext, ControllerDescriptor } from "../../controller-context.js";
import { CountingExpectations } from "../shared/expectations.js";
import {
  isControlledBy, isPodAvailable, isPodReady, R, restObjectClient, runQueue, sameJson, watchOwnedPods, type ObjectClient, type Recorder,
} from "../job/workload-utils.js";
import { claimsFor, newStatefulPod, podOrdinal, REVISION_LABEL, revisionOf } from "./statefulset-utils.js";
import { CONTROLLER_REVISIONS, ensureUpdateRevision, templateOf, trimHistory } from "../shared/history.js";

export interface StatefulSetControllerDeps {
  statefulsets: Lister<StatefulSet>;
  pods: Lister<Pod>;
  pvcs: Lister<PersistentVolumeClaim>;
  revisions: Lister<ControllerRevision>;
  client: ObjectClient;
  recorder: Recorder;
  log: Logger;
  clock?: Clock;
}

const runningAndReady = (p: Pod): boolean => p.status?.phase === "Running" && isPodReady(p) && !p.metadata.deletionTimestamp;
const terminal = (p: Pod): boolean => p.status?.phase === "Failed" || p.status?.phase === "Succeeded";

export class StatefulSetController {
  readonly queue: WorkQueue<string>;
  readonly expectations: CountingExpectations;
  private readonly clock: Clock;

  constructor(private readonly d: StatefulSetControllerDeps) {
    this.clock = d.clock ?? realClock;
    this.queue = new WorkQueue<string>({ clock: this.clock });
    this.expectations = new CountingExpectations(() => this.clock.now());
  }

  enqueue(sts: StatefulSet): void {
    this.queue.add(`${sts.metadata.namespace}/${sts.metadata.name}`);
  }

  /** Reconciles one StatefulSet; throws to be retried. */
  async syncStatefulSet(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.d.statefulsets.get(namespace, name);
    if (!cached) {
      this.expectations.forget(key);
      return;
    }
    const sts = structuredClone(cached);
    const pods = this.d.pods.list(namespace, (p) => isControlledBy(p, sts.metadata.uid) && podOrdinal(sts, p) !== undefined);
    const revisions = this.d.revisions.list(namespace, (r) => isControlledBy(r, sts.metadata.uid));
    await ensureUpdateRevision(this.d.client, sts, "StatefulSet", revisions);
    if (this.expectations.satisfied(key)) await this.manage(key, sts, pods, revisions);
    const currentRevision = await this.updateStatus(sts, pods);
    // Revisions a pod still runs, or the status names, are never trimmed.
    await trimHistory(this.d.client, sts, revisions, [currentRevision, revisionOf(sts), ...pods.map((p) => p.metadata.labels?.[REVISION_LABEL])]);
  }

  private async manage(key: string, sts: StatefulSet, pods: Pod[], revisions: ControllerRevision[]): Promise<void> {
    const ordered = sts.spec?.podManagementPolicy !== "Parallel";
    const start = sts.spec?.ordinals?.start ?? 0;
    const end = start + (sts.spec?.replicas ?? 1);
    const byOrdinal = new Map(pods.map((p) => [podOrdinal(sts, p)!, p]));

    // 1. Bring up (or repair) ordinals start..end-1, lowest first.
    for (let ord = start; ord < end; ord++) {
      const p = byOrdinal.get(ord);
      if (!p) {
        await this.createPod(key, this.versionedSet(sts, ord, revisions), ord);
        if (ordered) return;
      } else if (terminal(p) && !p.metadata.deletionTimestamp) {
        await this.deleteStatefulPod(key, sts, p);
        if (ordered) return;
      } else if (ordered && !runningAndReady(p)) return;
      else await this.ensureClaims(sts, ord);
    }

    // 2. Scale down: the highest condemned ordinal first.
    const condemned = pods.filter((p) => {
      const o = podOrdinal(sts, p)!;
      return o < start || o >= end;
    }).sort((a, b) => podOrdinal(sts, b)! - podOrdinal(sts, a)!);
    for (const p of condemned) {
      if (!p.metadata.deletionTimestamp) await this.deleteStatefulPod(key, sts, p);
      if (ordered) return;
    }
    if (condemned.length) return;

    // 3. Rolling update: highest ordinal first, down to the partition, one pod at a time.
    if (sts.spec?.updateStrategy?.type === "OnDelete") return;
    const partition = sts.spec?.updateStrategy?.rollingUpdate?.partition ?? 0;
    const update = revisionOf(sts);
    for (let ord = end - 1; ord >= start + partition; ord--) {
      const p = byOrdinal.get(ord);
      if (!p || p.metadata.deletionTimestamp) return;
      if (p.metadata.labels?.[REVISION_LABEL] !== update) {
        await this.deleteStatefulPod(key, sts, p);
        return;
      }
      if (!runningAndReady(p)) return;
    }
  }

  /**
   * The set a new pod of `ordinal` is built from: below a RollingUpdate partition the pod keeps
   * the current revision's template (when that revision is still recorded), as in Kubernetes.
   */
  private versionedSet(sts: StatefulSet, ordinal: number, revisions: ControllerRevision[]): StatefulSet {
    const strategy = sts.spec?.updateStrategy;
    const partition = strategy?.type === "OnDelete" ? 0 : (strategy?.rollingUpdate?.partition ?? 0);
    const current = sts.status?.currentRevision;
    if (!current || current === revisionOf(sts) || ordinal >= (sts.spec?.ordinals?.start ?? 0) + partition) return sts;
    const rev = revisions.find((r) => r.metadata.name === current);
    const template = rev && templateOf(rev);
    return template && sts.spec ? { ...sts, spec: { ...sts.spec, template } } : sts;
  }

  private async ensureClaims(sts: StatefulSet, ordinal: number): Promise<void> {
    for (const claim of claimsFor(sts, ordinal)) {
      if (this.d.pvcs.get(claim.metadata.namespace, claim.metadata.name!)) continue;
      try {
        await this.d.client.create(R.pvcs, claim.metadata.namespace, claim);
        this.d.recorder.event(sts, "Normal", "SuccessfulCreate", `create Claim ${claim.metadata.name} Pod ${sts.metadata.name}-${ordinal} in StatefulSet ${sts.metadata.name} success`);
      } catch (err) {
        if (isAlreadyExists(err)) continue;
        this.d.recorder.event(sts, "Warning", "FailedCreate", `create Claim ${claim.metadata.name} for Pod ${sts.metadata.name}-${ordinal} in StatefulSet ${sts.metadata.name} failed error: ${(err as Error).message}`);
        throw err;
      }
    }
  }

  private async createPod(key: string, sts: StatefulSet, ordinal: number): Promise<void> {
    await this.ensureClaims(sts, ordinal);
    const pod = newStatefulPod(sts, ordinal);
    this.expectations.expect(key, 1, 0);
    try {
      await this.d.client.create(R.pods, sts.metadata.namespace, pod);
      this.d.recorder.event(sts, "Normal", "SuccessfulCreate", `create Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} successful`);
    } catch (err) {
      this.expectations.creationObserved(key);
      // The old pod of this name is still terminating: its delete event will bring us back.
      if (isAlreadyExists(err)) return;
      this.d.recorder.event(sts, "Warning", "FailedCreate", `create Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} failed error: ${(err as Error).message}`);
      throw err;
    }
  }

  private async deleteStatefulPod(key: string, sts: StatefulSet, pod: Pod): Promise<void> {
    this.expectations.expect(key, 0, 1);
    try {
      await this.d.client.delete(R.pods, pod.metadata.namespace, pod.metadata.name!);
      this.d.recorder.event(sts, "Normal", "SuccessfulDelete", `delete Pod ${pod.metadata.name} in StatefulSet ${sts.metadata.name} successful`);
    } catch (err) {
      this.expectations.deletionObserved(key);
      if (!isNotFound(err)) throw err;
    }
  }

  /** Writes status if it changed; returns the current revision's name. */
  private async updateStatus(sts: StatefulSet, pods: Pod[]): Promise<string> {
    const now = this.clock.now();
    const updateRevision = revisionOf(sts);
    const live = pods.filter((p) => !p.metadata.deletionTimestamp);
    const updated = live.filter((p) => p.metadata.labels?.[REVISION_LABEL] === updateRevision).length;
    const replicas = sts.spec?.replicas ?? 1;
    let currentRevision = sts.status?.currentRevision ?? updateRevision;
    // The rollout is complete once every wanted pod runs the update revision.
    if (updated === replicas && live.length === replicas) currentRevision = updateRevision;
    const status = {
      ...sts.status,
      observedGeneration: sts.metadata.generation,
      replicas: live.length,
      readyReplicas: live.filter(isPodReady).length,
      availableReplicas: live.filter((p) => isPodAvailable(p, sts.spec?.minReadySeconds, now)).length,
      currentReplicas: live.filter((p) => p.metadata.labels?.[REVISION_LABEL] === currentRevision).length,
      updatedReplicas: updated,
      currentRevision,
      updateRevision,
    };
    if (sameJson(status, sts.status)) return currentRevision;
    sts.status = status;
    await this.d.client.updateStatus(R.statefulsets, sts);
    return currentRevision;
  }
}

/** The "statefulset" entry of the controller table. */
export const statefulSetDescriptor: ControllerDescriptor = {
  name: "statefulset",
  create(ctx: ControllerContext) {
    const statefulsets = ctx.informers.informerFor<StatefulSet>(R.statefulsets);
    const pods = ctx.informers.informerFor<Pod>(R.pods);
    const pvcs = ctx.informers.informerFor<PersistentVolumeClaim>(R.pvcs);
    const revisions = ctx.informers.informerFor<ControllerRevision>(CONTROLLER_REVISIONS);
    const c = new StatefulSetController({
      statefulsets: statefulsets.lister, pods: pods.lister, pvcs: pvcs.lister, revisions: revisions.lister,
      client: restObjectClient(ctx.rest), recorder: ctx.recorder("statefulset-controller"), log: ctx.log,
    });
    statefulsets.on("add", (s) => c.enqueue(s));
    statefulsets.on("update", (_o, s) => c.enqueue(s));
    watchOwnedPods(pods, "StatefulSet", c.expectations, (key) => c.queue.add(key));
    return { run: (signal) => runQueue(c.queue, [statefulsets, pods, pvcs, revisions], ctx.options.workers, (k) => c.syncStatefulSet(k), signal, ctx.log) };
  },
};
