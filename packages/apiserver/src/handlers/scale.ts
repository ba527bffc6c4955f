/**
 * The scale subresource: an autoscaling/v1 Scale view of a workload's replicas, so that
 * `kubectl scale` (and later autoscalers) never need to know the workload's kind.
 */
import { BadRequestError, labelSelectorToString, type KObject, type LabelSelector, type ResourceInfo } from "@kates/api";

type Scalable = KObject & { spec?: { replicas?: number; selector?: LabelSelector | Record<string, string> }; status?: { replicas?: number } };

export function scaleOf(ri: ResourceInfo, obj: KObject): KObject {
  const o = obj as Scalable;
  const sel = o.spec?.selector;
  // ReplicationControllers keep a plain map selector; the others a LabelSelector.
  const selector = !sel ? "" : ri.kind === "ReplicationController" ? Object.entries(sel).map(([k, v]) => `${k}=${v}`).join(",") : labelSelectorToString(sel as LabelSelector);
  const m = obj.metadata;
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp },
    spec: { replicas: o.spec?.replicas ?? 0 },
    status: { replicas: o.status?.replicas ?? 0, selector },
  };
}

/** Writes a Scale's desired replicas back into the workload. */
export function applyScale(ri: ResourceInfo, current: KObject, scale: KObject): KObject {
  const replicas = (scale as { spec?: { replicas?: unknown } }).spec?.replicas;
  if (replicas !== undefined && (typeof replicas !== "number" || !Number.isInteger(replicas))) {
    throw new BadRequestError(`Scale.spec.replicas: invalid value ${JSON.stringify(replicas)}: must be an integer`);
  }
  const o = current as Scalable;
  (o.spec ??= {}).replicas = (replicas as number | undefined) ?? 0;
  return o;
}
