/**
 * How lists and maps of built-in kinds merge: the `patchStrategy`/`patchMergeKey` tags of the
 * Kubernetes Go types (strategic merge patch) and, for server-side apply, the matching
 * `listType`/`listMapKeys`/`mapType` markers. One table serves both, so SMP and SSA agree.
 *
 * A rule's `path` is a dotted list of field names matched against the end of a field's path;
 * list elements add no segment, so `containers.ports` is the `ports` list of any container.
 * `exact` rules must match the whole path (for names that mean different things elsewhere).
 */

/** What a field's value is, for merging. Fields without a rule are granular maps or atomic lists. */
export type FieldStrategy =
  /** A list of objects merged item by item on `key` (SMP merge key; SSA listType=map). */
  | { readonly type: "map"; readonly key: string }
  /** A list of scalars merged as a set (SMP merge strategy; SSA listType=set). */
  | { readonly type: "set" }
  /** A map replaced as a whole by server-side apply (mapType/structType=atomic); SMP still merges it. */
  | { readonly type: "atomic" };

interface Rule {
  readonly path: string;
  readonly strategy: FieldStrategy;
  /** Kinds the rule is limited to; every kind when absent. */
  readonly kinds?: readonly string[];
  readonly exact?: boolean;
}

const byName: FieldStrategy = { type: "map", key: "name" };

/** The merge table. Lists not listed here are replaced whole (args, command, tolerations, envFrom...). */
export const MERGE_RULES: readonly Rule[] = [
  // PodSpec, wherever a pod template sits (Pod, ReplicaSet, Deployment, Job, CronJob, ...).
  { path: "containers", strategy: byName },
  { path: "initContainers", strategy: byName },
  { path: "ephemeralContainers", strategy: byName },
  { path: "volumes", strategy: byName },
  { path: "imagePullSecrets", strategy: byName },
  { path: "resourceClaims", strategy: byName },
  { path: "schedulingGates", strategy: byName },
  { path: "hostAliases", strategy: { type: "map", key: "ip" } },
  // Kubernetes keys topology spread constraints on topologyKey+whenUnsatisfiable for SSA; one key is enough here.
  { path: "topologySpreadConstraints", strategy: { type: "map", key: "topologyKey" } },
  { path: "env", strategy: byName },
  { path: "volumeMounts", strategy: { type: "map", key: "mountPath" } },
  { path: "volumeDevices", strategy: { type: "map", key: "devicePath" } },
  // Kubernetes keys container ports on containerPort+protocol for SSA; containerPort is enough here.
  { path: "containers.ports", strategy: { type: "map", key: "containerPort" } },
  { path: "initContainers.ports", strategy: { type: "map", key: "containerPort" } },
  { path: "ephemeralContainers.ports", strategy: { type: "map", key: "containerPort" } },
  { path: "nodeSelector", strategy: { type: "atomic" } },
  // Service.
  { path: "spec.ports", strategy: { type: "map", key: "port" }, kinds: ["Service"], exact: true },
  { path: "spec.selector", strategy: { type: "atomic" }, kinds: ["Service"], exact: true },
  // LabelSelector is structType=atomic (Deployment, ReplicaSet, Job, ... spec.selector).
  { path: "selector", strategy: { type: "atomic" } },
  // Status of Pods, Nodes, Deployments, ...
  { path: "conditions", strategy: { type: "map", key: "type" } },
  { path: "status.addresses", strategy: { type: "map", key: "type" }, kinds: ["Node"], exact: true },
  { path: "status.podIPs", strategy: { type: "map", key: "ip" }, kinds: ["Pod"], exact: true },
  { path: "status.hostIPs", strategy: { type: "map", key: "ip" }, kinds: ["Pod"], exact: true },
  // ObjectMeta.
  { path: "metadata.ownerReferences", strategy: { type: "map", key: "uid" } },
  { path: "metadata.finalizers", strategy: { type: "set" } },
  // ServiceAccount.
  { path: "secrets", strategy: byName, kinds: ["ServiceAccount"], exact: true },
];

// Rules grouped by their last path segment, split once: fieldStrategy runs for every field of
// every object written (managedFields bookkeeping), and splitting each rule per call was the
// apiserver's largest CPU cost per write. Grouping keeps the table's order within a group, and
// only a rule whose last segment equals the field's name can match, so the first match is the same.
const RULES_BY_NAME = new Map<string, { segs: string[]; rule: Rule }[]>();
for (const rule of MERGE_RULES) {
  const segs = rule.path.split(".");
  const name = segs[segs.length - 1];
  const group = RULES_BY_NAME.get(name) ?? [];
  group.push({ segs, rule });
  RULES_BY_NAME.set(name, group);
}

/** The merge strategy of the field at `path` (field names from the object root) of an object of `kind`. */
export function fieldStrategy(path: readonly string[], kind: string): FieldStrategy | undefined {
  const group = path.length ? RULES_BY_NAME.get(path[path.length - 1]) : undefined;
  if (!group) return undefined;
  for (const { segs, rule } of group) {
    if (rule.kinds && !rule.kinds.includes(kind)) continue;
    if (rule.exact ? segs.length !== path.length : segs.length > path.length) continue;
    let match = true;
    for (let i = 1; i <= segs.length && match; i++) match = segs[segs.length - i] === path[path.length - i];
    if (match) return rule.strategy;
  }
  return undefined;
}
