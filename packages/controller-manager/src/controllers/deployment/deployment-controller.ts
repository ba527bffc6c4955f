/**
 * DeploymentController rolls Deployments out through ReplicaSets.
 *
 * Primary: Deployments. Secondary: ReplicaSets (owned through a controller reference; the
 * new one is named `<deployment>-<pod-template-hash>`) and, for Recreate, Pods. Triggers:
 * Deployment changes, ReplicaSet add/update/delete (mapped to the owning Deployment, or to
 * every Deployment whose selector matches an orphan set), pod deletions under Recreate, and
 * a timer for progressDeadlineSeconds. Each sync does one step: adopt sets, sync revisions,
 * then scale (paused or replicas changed) or roll (RollingUpdate / Recreate), clean up old
 * sets past revisionHistoryLimit, and write status with conditions.
 */
import type { Deployment, DeploymentStatus, Pod, ReplicaSet } from "@kates/api";
import { findResource, isAlreadyExists, isNotFound, labelSelectorFromObject } from "@kates/api";
import { noopLogger, objectKey, runWorkers, splitKey, waitForCacheSync, WorkQueue, type Logger } from "@kates/client";
import { adoptPatch, getControllerOf, newControllerRef, releasePatch } from "../shared/controller-utils.js";
import { computeHash } from "../shared/hash.js";
import type { ClientFor, EventSink, InformerLike } from "../shared/workload-client.js";
import { deploymentComplete, PAUSED_REASON, RESUMED_REASON, rolloutStatus, statusEqual, TIMED_OUT_REASON } from "./deployment-status.js";
import {
  activeSets, DESIRED_REPLICAS_ANNOTATION, equalIgnoreHash, findNewReplicaSet, getCondition, intAnnotation, maxRevision, maxSurge,
  newCondition, POD_TEMPLATE_HASH_LABEL, replicasOf, REVISION_ANNOTATION, revisionOf, rsReplicas, setCondition,
  setNewReplicaSetAnnotations, setReplicasAnnotations, statusSum,
} from "./deployment-utils.js";
import {
  newRSNewReplicas, reconcileNewReplicaSet, reconcileOldReplicaSets, scaleDeployment, scaleDownOldForRecreate,
} from "./rollout.js";

const DEPLOYMENTS = findResource("apps", "v1", "deployments")!;
const REPLICASETS = findResource("apps", "v1", "replicasets")!;

/** Dependencies of a DeploymentController. */
export interface DeploymentControllerDeps {
  deployments: InformerLike<Deployment>;
  replicaSets: InformerLike<ReplicaSet>;
  pods: InformerLike<Pod>;
  clientFor: ClientFor;
  recorder: EventSink;
  log?: Logger;
  now?: () => number;
}

/** Reconciles Deployments against their ReplicaSets. */
export class DeploymentController {
  readonly queue = new WorkQueue<string>();
  private readonly log: Logger;
  private readonly now: () => number;

  constructor(private readonly deps: DeploymentControllerDeps) {
    this.log = deps.log ?? noopLogger;
    this.now = deps.now ?? Date.now;
    deps.deployments.on("add", (d) => this.enqueue(d));
    deps.deployments.on("update", (_o, d) => this.enqueue(d));
    deps.deployments.on("delete", (d) => this.enqueue(d));
    deps.replicaSets.on("add", (rs) => this.enqueueForReplicaSet(rs));
    deps.replicaSets.on("update", (old, rs) => {
      const oldRef = getControllerOf(old);
      if (oldRef && oldRef.uid !== getControllerOf(rs)?.uid) this.enqueueForReplicaSet(old);
      this.enqueueForReplicaSet(rs);
    });
    deps.replicaSets.on("delete", (rs) => this.enqueueForReplicaSet(rs));
    deps.pods.on("delete", (pod) => this.deletePod(pod));
  }

  /** Waits for the caches, then runs `workers` sync loops until `signal` aborts. */
  async run(signal: AbortSignal, workers: number): Promise<void> {
    if (!(await waitForCacheSync(signal, this.deps.deployments, this.deps.replicaSets, this.deps.pods))) return;
    await runWorkers(this.queue, workers, (key) => this.sync(key), signal, this.log);
  }

  private enqueue(d: Deployment): void {
    this.queue.add(objectKey(d));
  }

  private ownerOf(obj: ReplicaSet): Deployment | undefined {
    const ref = getControllerOf(obj);
    if (!ref || ref.kind !== "Deployment") return undefined;
    const d = this.deps.deployments.lister.get(obj.metadata.namespace, ref.name);
    return d?.metadata.uid === ref.uid ? d : undefined;
  }

  private enqueueForReplicaSet(rs: ReplicaSet): void {
    if (getControllerOf(rs)) {
      const d = this.ownerOf(rs);
      if (d) this.enqueue(d);
      return;
    }
    const ns = rs.metadata.namespace ?? "";
    for (const d of this.deps.deployments.lister.list(ns, (d) => selectorOf(d).matches(rs.metadata.labels))) this.enqueue(d);
  }

  /** Recreate waits for old pods to be gone, so their deletion is news. */
  private deletePod(pod: Pod): void {
    const ref = getControllerOf(pod);
    if (ref?.kind !== "ReplicaSet") return;
    const rs = this.deps.replicaSets.lister.get(pod.metadata.namespace, ref.name);
    const d = rs && this.ownerOf(rs);
    if (d && d.spec?.strategy?.type === "Recreate") this.enqueue(d);
  }

  /** One step of one Deployment's rollout. */
  async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const cached = this.deps.deployments.lister.get(namespace, name);
    if (!cached) return;
    let d = structuredClone(cached);
    if (selectorOf(d).empty) {
      this.deps.recorder.event(d, "Warning", "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.");
      if ((d.status?.observedGeneration ?? 0) < (d.metadata.generation ?? 0)) {
        await this.writeStatus(d, { ...d.status, observedGeneration: d.metadata.generation });
      }
      return;
    }
    const rsList = await this.claimReplicaSets(d);
    if (d.metadata.deletionTimestamp) return void (await this.syncStatusOnly(d, rsList));
    d = await this.checkPausedConditions(d);
    if (d.spec?.paused || this.isScalingEvent(d, rsList)) return void (await this.syncScale(d, rsList));
    if (d.spec?.strategy?.type === "Recreate") await this.rolloutRecreate(d, rsList);
    else await this.rolloutRolling(d, rsList);
  }

  /** Private copies of the sets this Deployment controls, after adopting orphans and releasing strays. */
  private async claimReplicaSets(d: Deployment): Promise<ReplicaSet[]> {
    const selector = selectorOf(d);
    const client = this.deps.clientFor<ReplicaSet>(REPLICASETS, d.metadata.namespace ?? "");
    const out: ReplicaSet[] = [];
    for (const rs of this.deps.replicaSets.lister.list(d.metadata.namespace ?? "")) {
      const ref = getControllerOf(rs);
      const matches = selector.matches(rs.metadata.labels);
      try {
        if (ref) {
          if (ref.uid !== d.metadata.uid) continue;
          if (matches) out.push(structuredClone(rs));
          else if (!d.metadata.deletionTimestamp) await client.patch(rs.metadata.name!, releasePatch(rs, ref.uid), "merge");
        } else if (matches && !d.metadata.deletionTimestamp && !rs.metadata.deletionTimestamp) {
          const adopted = await client.patch(rs.metadata.name!, adoptPatch(rs, newControllerRef(d, "apps/v1", "Deployment")), "merge");
          out.push({ ...structuredClone(rs), metadata: { ...structuredClone(rs.metadata), ...adopted.metadata } });
        }
      } catch (err) {
        if (!isNotFound(err)) this.log.info({ err, replicaSet: objectKey(rs) }, "could not adopt or release replica set");
      }
    }
    return out;
  }

  private isScalingEvent(d: Deployment, rsList: ReplicaSet[]): boolean {
    const newRS = findNewReplicaSet(d, rsList);
    return activeSets([...rsList.filter((rs) => rs !== newRS), newRS]).some((rs) => {
      const desired = intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION);
      return desired !== undefined && desired !== replicasOf(d);
    });
  }

  private async checkPausedConditions(d: Deployment): Promise<Deployment> {
    if (d.spec?.progressDeadlineSeconds === undefined) return d;
    const cond = getCondition(d.status?.conditions, "Progressing");
    if (cond?.reason === TIMED_OUT_REASON) return d;
    const pausedCond = cond?.reason === PAUSED_REASON;
    let next: ReturnType<typeof newCondition> | undefined;
    if (d.spec.paused && !pausedCond) next = newCondition("Progressing", "Unknown", PAUSED_REASON, "Deployment is paused", this.now());
    else if (!d.spec.paused && pausedCond) next = newCondition("Progressing", "Unknown", RESUMED_REASON, "Deployment is resumed", this.now());
    if (!next) return d;
    const conditions = structuredClone(d.status?.conditions ?? []);
    setCondition(conditions, next);
    return this.writeStatus(d, { ...d.status, conditions });
  }

  /** Splits sets into new and old and syncs revisions; may create the new set. */
  private async getAllReplicaSetsAndSyncRevision(d: Deployment, rsList: ReplicaSet[], create: boolean): Promise<{ d: Deployment; newRS?: ReplicaSet; oldRSs: ReplicaSet[] }> {
    const existing = findNewReplicaSet(d, rsList);
    const oldRSs = rsList.filter((rs) => rs !== existing);
    const newRevision = maxRevision(oldRSs) + 1;
    const client = this.deps.clientFor<ReplicaSet>(REPLICASETS, d.metadata.namespace ?? "");
    if (existing) {
      const annotationsChanged = setNewReplicaSetAnnotations(d, existing, newRevision, true);
      const minReady = d.spec?.minReadySeconds ?? 0;
      if (annotationsChanged || (existing.spec!.minReadySeconds ?? 0) !== minReady) {
        existing.spec!.minReadySeconds = minReady;
        const updated = await client.update(existing);
        existing.metadata.resourceVersion = updated.metadata.resourceVersion;
      }
      d = await this.setDeploymentRevision(d, String(revisionOf(existing)));
      return { d, newRS: existing, oldRSs };
    }
    if (!create) return { d, oldRSs };
    const created = await this.createNewReplicaSet(d, oldRSs, newRevision);
    if (!created) return { d, oldRSs };
    d = await this.setDeploymentRevision(d, String(newRevision));
    if (d.spec?.progressDeadlineSeconds !== undefined) {
      const conditions = structuredClone(d.status?.conditions ?? []);
      setCondition(conditions, newCondition("Progressing", "True", "NewReplicaSetCreated", `Created new replica set "${created.metadata.name}"`, this.now()));
      d = await this.writeStatus(d, { ...d.status, conditions });
    }
    return { d, newRS: created, oldRSs };
  }

  private async createNewReplicaSet(d: Deployment, oldRSs: ReplicaSet[], revision: number): Promise<ReplicaSet | undefined> {
    const hash = computeHash(d.spec?.template, d.status?.collisionCount);
    const template = structuredClone(d.spec!.template);
    template.metadata = { ...template.metadata, labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH_LABEL]: hash } };
    const selector = structuredClone(d.spec!.selector);
    selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH_LABEL]: hash };
    const rs: ReplicaSet = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        labels: { ...template.metadata.labels },
        ownerReferences: [newControllerRef(d, "apps/v1", "Deployment")],
      },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
    };
    rs.spec!.replicas = newRSNewReplicas(d, oldRSs, rs);
    setNewReplicaSetAnnotations(d, rs, revision, false);
    const client = this.deps.clientFor<ReplicaSet>(REPLICASETS, d.metadata.namespace ?? "");
    try {
      const created = await client.create(rs);
      if (rsReplicas(created) > 0) {
        this.deps.recorder.event(d, "Normal", "ScalingReplicaSet", `Scaled up replica set ${created.metadata.name} from 0 to ${rsReplicas(created)}`);
      }
      return created;
    } catch (err) {
      if (isAlreadyExists(err)) return this.handleNameCollision(d, rs.metadata.name!);
      this.deps.recorder.event(d, "Warning", "FailedCreate", `Failed to create new replica set "${rs.metadata.name}": ${(err as Error).message}`);
      if (d.spec?.progressDeadlineSeconds !== undefined) {
        const conditions = structuredClone(d.status?.conditions ?? []);
        setCondition(conditions, newCondition("Progressing", "False", "ReplicaSetCreateError", `Failed to create new replica set "${rs.metadata.name}": ${(err as Error).message}`, this.now()));
        await this.writeStatus(d, { ...d.status, conditions });
      }
      throw err;
    }
  }

  /** A set with our name exists: ours with our template is fine; anything else bumps collisionCount. */
  private async handleNameCollision(d: Deployment, name: string): Promise<ReplicaSet | undefined> {
    const client = this.deps.clientFor<ReplicaSet>(REPLICASETS, d.metadata.namespace ?? "");
    const other = this.deps.replicaSets.lister.get(d.metadata.namespace, name) ?? (await client.get(name));
    if (getControllerOf(other)?.uid === d.metadata.uid && equalIgnoreHash(other.spec?.template, d.spec?.template)) return structuredClone(other);
    await this.writeStatus(d, { ...d.status, collisionCount: (d.status?.collisionCount ?? 0) + 1 });
    throw new Error(`replica set ${name} exists with another template; collisionCount raised`);
  }

  private async setDeploymentRevision(d: Deployment, revision: string): Promise<Deployment> {
    if (d.metadata.annotations?.[REVISION_ANNOTATION] === revision) return d;
    const client = this.deps.clientFor<Deployment>(DEPLOYMENTS, d.metadata.namespace ?? "");
    const patched = await client.patch(d.metadata.name!, { metadata: { annotations: { [REVISION_ANNOTATION]: revision } } }, "merge");
    return { ...d, metadata: { ...d.metadata, annotations: { ...d.metadata.annotations, [REVISION_ANNOTATION]: revision }, resourceVersion: patched.metadata.resourceVersion ?? d.metadata.resourceVersion } };
  }

  /** Scales one set (and refreshes its replica annotations); records the event; updates `rs` in place. */
  private readonly scaleReplicaSet = async (rs: ReplicaSet, replicas: number, d: Deployment): Promise<boolean> => {
    const from = rsReplicas(rs);
    const sizeChanged = from !== replicas;
    const copy = structuredClone(rs);
    const annotationsChanged = setReplicasAnnotations(copy, replicasOf(d), replicasOf(d) + maxSurge(d));
    if (!sizeChanged && !annotationsChanged) return false;
    copy.spec!.replicas = replicas;
    const updated = await this.deps.clientFor<ReplicaSet>(REPLICASETS, rs.metadata.namespace ?? "").update(copy);
    rs.spec!.replicas = replicas;
    rs.metadata.annotations = copy.metadata.annotations;
    rs.metadata.resourceVersion = updated.metadata.resourceVersion;
    if (sizeChanged) {
      const dir = replicas > from ? "up" : "down";
      this.deps.recorder.event(d, "Normal", "ScalingReplicaSet", `Scaled ${dir} replica set ${rs.metadata.name} from ${from} to ${replicas}`);
    }
    return sizeChanged;
  };

  private async syncStatusOnly(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const r = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    await this.syncRolloutStatus(r.d, [...r.oldRSs, ...(r.newRS ? [r.newRS] : [])], r.newRS);
  }

  /** Paused or resized: proportional scaling, cleanup, status; no new rollout. */
  private async syncScale(d: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const r = await this.getAllReplicaSetsAndSyncRevision(d, rsList, false);
    await scaleDeployment(this.scaleReplicaSet, r.d, r.newRS, r.oldRSs);
    await this.cleanupDeployment(r.d, r.oldRSs);
    await this.syncRolloutStatus(r.d, [...r.oldRSs, ...(r.newRS ? [r.newRS] : [])], r.newRS);
  }

  private async rolloutRolling(d0: Deployment, rsList: ReplicaSet[]): Promise<void> {
    const { d, newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d0, rsList, true);
    const all = [...oldRSs, ...(newRS ? [newRS] : [])];
    if (newRS && (await reconcileNewReplicaSet(this.scaleReplicaSet, all, newRS, d))) return this.syncRolloutStatus(d, all, newRS);
    if (newRS && (await reconcileOldReplicaSets(this.scaleReplicaSet, all, activeSets(oldRSs), newRS, d))) return this.syncRolloutStatus(d, all, newRS);
    const status = rolloutStatus(d, all, newRS, this.now());
    if (deploymentComplete(d, status)) await this.cleanupDeployment(d, oldRSs);
    await this.syncRolloutStatus(d, all, newRS);
  }

  private async rolloutRecreate(d0: Deployment, rsList: ReplicaSet[]): Promise<void> {
    let { d, newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d0, rsList, false);
    const all = () => [...oldRSs, ...(newRS ? [newRS] : [])];
    if (await scaleDownOldForRecreate(this.scaleReplicaSet, oldRSs, d)) return this.syncRolloutStatus(d, all(), newRS);
    if (this.oldPodsRunning(newRS, oldRSs)) return this.syncRolloutStatus(d, all(), newRS);
    if (!newRS) ({ d, newRS, oldRSs } = await this.getAllReplicaSetsAndSyncRevision(d, rsList, true));
    if (newRS) await this.scaleReplicaSet(newRS, replicasOf(d), d);
    if (deploymentComplete(d, rolloutStatus(d, all(), newRS, this.now()))) await this.cleanupDeployment(d, oldRSs);
    await this.syncRolloutStatus(d, all(), newRS);
  }

  /** Old sets still report pods, or the cache still holds live pods of theirs. */
  private oldPodsRunning(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): boolean {
    if (statusSum(oldRSs, "replicas") > 0) return true;
    const oldUids = new Set(oldRSs.map((rs) => rs.metadata.uid));
    const ns = newRS?.metadata.namespace ?? oldRSs[0]?.metadata.namespace ?? "";
    return this.deps.pods.lister.list(ns).some((p) => {
      const uid = getControllerOf(p)?.uid;
      return !!uid && oldUids.has(uid) && p.status?.phase !== "Failed" && p.status?.phase !== "Succeeded";
    });
  }

  /** Deletes the oldest empty sets beyond revisionHistoryLimit. */
  private async cleanupDeployment(d: Deployment, oldRSs: ReplicaSet[]): Promise<void> {
    const limit = d.spec?.revisionHistoryLimit;
    if (limit === undefined || limit === null) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
    const excess = cleanable.length - limit;
    if (excess <= 0) return;
    cleanable.sort((a, b) => revisionOf(a) - revisionOf(b));
    const client = this.deps.clientFor<ReplicaSet>(REPLICASETS, d.metadata.namespace ?? "");
    for (const rs of cleanable.slice(0, excess)) {
      if ((rs.status?.replicas ?? 0) !== 0 || rsReplicas(rs) !== 0 || (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      try {
        await client.delete(rs.metadata.name!);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  /** Writes the rollout status if it changed, and schedules the progress-deadline check. */
  private async syncRolloutStatus(d: Deployment, all: ReplicaSet[], newRS: ReplicaSet | undefined): Promise<void> {
    const status = rolloutStatus(d, all, newRS, this.now());
    if (!statusEqual(d.status, status)) d = await this.writeStatus(d, status);
    const deadline = d.spec?.progressDeadlineSeconds;
    const cond = getCondition(status.conditions, "Progressing");
    if (deadline !== undefined && !deploymentComplete(d, status) && cond?.status === "True" && cond.reason !== "NewReplicaSetAvailable") {
      const from = Date.parse(cond.lastUpdateTime ?? "");
      const after = Number.isNaN(from) ? deadline * 1000 : from + deadline * 1000 - this.now();
      this.queue.addAfter(objectKey(d), Math.max(after, 0) + 1000);
    }
  }

  private async writeStatus(d: Deployment, status: DeploymentStatus): Promise<Deployment> {
    const client = this.deps.clientFor<Deployment>(DEPLOYMENTS, d.metadata.namespace ?? "");
    const updated = await client.updateStatus({ ...d, status });
    return { ...d, status, metadata: { ...d.metadata, resourceVersion: updated.metadata?.resourceVersion ?? d.metadata.resourceVersion } };
  }
}

function selectorOf(d: Deployment) {
  return labelSelectorFromObject(d.spec?.selector);
}
