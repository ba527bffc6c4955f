/**
 * The three ways a Deployment moves its ReplicaSets: a RollingUpdate step (scale the new
 * set up within maxSurge, old sets down within maxUnavailable), a Recreate step (old sets
 * to zero, wait for their pods to go, then the new set up), and proportional scaling when
 * replicas change mid-rollout or while paused. ReplicaSets passed in are private copies:
 * `scale` updates them in place so later steps of one sync see the new sizes.
 */
import type { Deployment, ReplicaSet } from "@kates/api";
import {
  activeSets, byCreation, DESIRED_REPLICAS_ANNOTATION, intAnnotation, isRollingUpdate, MAX_REPLICAS_ANNOTATION,
  maxSurge, maxUnavailable, replicasOf, rsReplicas, specReplicas, statusSum,
} from "./deployment-utils.js";

/** Sets one ReplicaSet's replicas (and replica annotations) and records the event. */
export type ScaleFn = (rs: ReplicaSet, replicas: number, d: Deployment) => Promise<boolean>;

/** How big the new ReplicaSet may be right now. */
export function newRSNewReplicas(d: Deployment, allRSs: ReplicaSet[], newRS: ReplicaSet | undefined): number {
  if (!isRollingUpdate(d)) return replicasOf(d);
  const current = specReplicas(allRSs);
  const maxTotal = replicasOf(d) + maxSurge(d);
  if (current >= maxTotal) return rsReplicas(newRS);
  const up = Math.min(maxTotal - current, replicasOf(d) - rsReplicas(newRS));
  return rsReplicas(newRS) + Math.max(0, up);
}

/** Scales the new ReplicaSet toward replicas within maxSurge; true if it changed. */
export async function reconcileNewReplicaSet(scale: ScaleFn, allRSs: ReplicaSet[], newRS: ReplicaSet, d: Deployment): Promise<boolean> {
  const want = replicasOf(d);
  if (rsReplicas(newRS) === want) return false;
  if (rsReplicas(newRS) > want) return scale(newRS, want, d);
  return scale(newRS, newRSNewReplicas(d, allRSs, newRS), d);
}

/**
 * Scales old ReplicaSets down as far as maxUnavailable allows: unhealthy replicas first
 * (they serve nobody), then healthy ones, oldest sets first. True if anything changed.
 */
export async function reconcileOldReplicaSets(scale: ScaleFn, allRSs: ReplicaSet[], oldRSs: ReplicaSet[], newRS: ReplicaSet, d: Deployment): Promise<boolean> {
  if (specReplicas(oldRSs) === 0) return false;
  const minAvailable = replicasOf(d) - maxUnavailable(d);
  const newUnavailable = rsReplicas(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = specReplicas(allRSs) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return false;
  const cleaned = await cleanupUnhealthyReplicas(scale, oldRSs, d, maxScaledDown);
  const scaled = await scaleDownOldForRollingUpdate(scale, [...oldRSs, newRS], oldRSs, d);
  return cleaned + scaled > 0;
}

async function cleanupUnhealthyReplicas(scale: ScaleFn, oldRSs: ReplicaSet[], d: Deployment, maxCleanup: number): Promise<number> {
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= maxCleanup) break;
    const unhealthy = rsReplicas(rs) - (rs.status?.availableReplicas ?? 0);
    if (rsReplicas(rs) === 0 || unhealthy <= 0) continue;
    const down = Math.min(maxCleanup - total, unhealthy);
    await scale(rs, rsReplicas(rs) - down, d);
    total += down;
  }
  return total;
}

async function scaleDownOldForRollingUpdate(scale: ScaleFn, allRSs: ReplicaSet[], oldRSs: ReplicaSet[], d: Deployment): Promise<number> {
  const minAvailable = replicasOf(d) - maxUnavailable(d);
  const available = statusSum(allRSs, "availableReplicas");
  if (available <= minAvailable) return 0;
  const budget = available - minAvailable;
  let total = 0;
  for (const rs of [...oldRSs].sort(byCreation)) {
    if (total >= budget) break;
    if (rsReplicas(rs) === 0) continue;
    const down = Math.min(rsReplicas(rs), budget - total);
    await scale(rs, rsReplicas(rs) - down, d);
    total += down;
  }
  return total;
}

/** Recreate, first half: every old set to zero; true if any was scaled. */
export async function scaleDownOldForRecreate(scale: ScaleFn, oldRSs: ReplicaSet[], d: Deployment): Promise<boolean> {
  let scaled = false;
  for (const rs of activeSets(oldRSs)) if (await scale(rs, 0, d)) scaled = true;
  return scaled;
}

/** The newest set with replicas, or the new/newest set when none has any; undefined if several are active. */
function activeOrLatest(newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): ReplicaSet | undefined {
  const sorted = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = activeSets([newRS, ...sorted]);
  if (active.length === 0) return newRS ?? sorted[0];
  return active.length === 1 ? active[0] : undefined;
}

/** The new set carries all replicas, all available, at the current size. */
function isSaturated(d: Deployment, rs: ReplicaSet | undefined): boolean {
  if (!rs) return false;
  const want = replicasOf(d);
  return rsReplicas(rs) === want && intAnnotation(rs, DESIRED_REPLICAS_ANNOTATION) === want && (rs.status?.availableReplicas ?? 0) === want;
}

/**
 * Proportional scaling: when replicas change while several sets are active, the change is
 * spread over them by their share of the previous size (from max-replicas), largest first,
 * and the rounding leftover goes to the first.
 */
export async function scaleDeployment(scale: ScaleFn, d: Deployment, newRS: ReplicaSet | undefined, oldRSs: ReplicaSet[]): Promise<void> {
  const single = activeOrLatest(newRS, oldRSs);
  if (single) {
    if (rsReplicas(single) !== replicasOf(d)) await scale(single, replicasOf(d), d);
    return;
  }
  if (isSaturated(d, newRS)) {
    for (const rs of activeSets(oldRSs)) await scale(rs, 0, d);
    return;
  }
  if (!isRollingUpdate(d)) return;
  const all = activeSets([...oldRSs, newRS]);
  const allowed = replicasOf(d) > 0 ? replicasOf(d) + maxSurge(d) : 0;
  const toAdd = allowed - specReplicas(all);
  if (toAdd === 0) return;
  const newerFirst = (a: ReplicaSet, b: ReplicaSet) => rsReplicas(b) - rsReplicas(a) || byCreation(b, a);
  const olderFirst = (a: ReplicaSet, b: ReplicaSet) => rsReplicas(b) - rsReplicas(a) || byCreation(a, b);
  all.sort(toAdd > 0 ? newerFirst : olderFirst);
  const sizes = new Map<string, number>();
  let added = 0;
  for (const rs of all) {
    const share = proportion(rs, d, toAdd, added);
    sizes.set(rs.metadata.name!, rsReplicas(rs) + share);
    added += share;
  }
  for (const [i, rs] of all.entries()) {
    let size = sizes.get(rs.metadata.name!)!;
    if (i === 0) size = Math.max(0, size + toAdd - added);
    await scale(rs, size, d);
  }
}

function proportion(rs: ReplicaSet, d: Deployment, toAdd: number, added: number): number {
  if (rsReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  let fraction: number;
  if (replicasOf(d) === 0) fraction = -rsReplicas(rs);
  else {
    const target = replicasOf(d) + maxSurge(d);
    const before = intAnnotation(rs, MAX_REPLICAS_ANNOTATION) ?? d.status?.replicas ?? 0;
    fraction = before > 0 ? Math.round((rsReplicas(rs) * target) / before) - rsReplicas(rs) : 0;
  }
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}
