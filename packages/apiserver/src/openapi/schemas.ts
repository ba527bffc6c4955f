/**
 * Turns the @kates/api field schema into OpenAPI v3 `components.schemas`, shaped like
 * upstream's documents (refs wrapped in `allOf` so a property can carry its own
 * description) because `kubectl explain` and client-side apply read them.
 */
import { allMessageSchemas, SPECIAL_SCHEMA_NAMES, type FieldSchema, type MessageSchema, type SchemaFieldType } from "@kates/api";

/** An OpenAPI schema object (kept loose: it is only serialised). */
export type OpenAPISchema = Record<string, unknown>;

const ref = (name: string) => `#/components/schemas/${name}`;
const LIST_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta";

/**
 * Strategic-merge metadata kubectl's client-side apply reads from OpenAPI v3
 * (`x-kubernetes-patch-strategy` / `-merge-key`), as Kubernetes' Go struct tags declare it.
 */
const PATCH_META: Record<string, [strategy: string, mergeKey?: string]> = {
  "core.v1.PodSpec.volumes": ["merge,retainKeys", "name"],
  "core.v1.PodSpec.initContainers": ["merge", "name"],
  "core.v1.PodSpec.containers": ["merge", "name"],
  "core.v1.PodSpec.ephemeralContainers": ["merge", "name"],
  "core.v1.PodSpec.imagePullSecrets": ["merge", "name"],
  "core.v1.PodSpec.hostAliases": ["merge", "ip"],
  "core.v1.PodSpec.topologySpreadConstraints": ["merge", "topologyKey"],
  "core.v1.PodSpec.schedulingGates": ["merge", "name"],
  "core.v1.PodSpec.resourceClaims": ["merge,retainKeys", "name"],
  "core.v1.Container.ports": ["merge", "containerPort"],
  "core.v1.Container.env": ["merge", "name"],
  "core.v1.Container.volumeMounts": ["merge", "mountPath"],
  "core.v1.Container.volumeDevices": ["merge", "devicePath"],
  "core.v1.PodStatus.conditions": ["merge", "type"],
  "core.v1.PodStatus.podIPs": ["merge", "ip"],
  "core.v1.PodStatus.hostIPs": ["merge", "ip"],
  "core.v1.ServiceSpec.ports": ["merge", "port"],
  "core.v1.ServiceAccount.secrets": ["merge", "name"],
  "core.v1.NodeSpec.podCIDRs": ["merge"],
  "core.v1.NodeStatus.conditions": ["merge", "type"],
  "core.v1.NodeStatus.addresses": ["merge", "type"],
  "core.v1.NamespaceStatus.conditions": ["merge", "type"],
  "core.v1.ServiceStatus.conditions": ["merge", "type"],
  "core.v1.ReplicationControllerStatus.conditions": ["merge", "type"],
  "core.v1.PersistentVolumeClaimStatus.conditions": ["merge", "type"],
  "apps.v1.DeploymentSpec.strategy": ["retainKeys"],
  "apps.v1.DeploymentStatus.conditions": ["merge", "type"],
  "apps.v1.ReplicaSetStatus.conditions": ["merge", "type"],
  "apps.v1.StatefulSetStatus.conditions": ["merge", "type"],
  "apps.v1.DaemonSetStatus.conditions": ["merge", "type"],
  "batch.v1.JobStatus.conditions": ["merge", "type"],
  "meta.v1.ObjectMeta.ownerReferences": ["merge", "uid"],
  "meta.v1.ObjectMeta.finalizers": ["merge"],
};

/**
 * Fields Kubernetes' OpenAPI marks `required` (shown as `-required-` by `kubectl explain`),
 * for the everyday types; keyed like PATCH_META.
 */
const REQUIRED: Record<string, string[]> = {
  "apps.v1.DeploymentSpec": ["selector", "template"],
  "apps.v1.ReplicaSetSpec": ["selector"],
  "apps.v1.StatefulSetSpec": ["selector", "template"],
  "apps.v1.DaemonSetSpec": ["selector", "template"],
  "apps.v1.DeploymentCondition": ["type", "status"],
  "apps.v1.ReplicaSetCondition": ["type", "status"],
  "batch.v1.JobSpec": ["template"],
  "batch.v1.CronJobSpec": ["schedule", "jobTemplate"],
  "core.v1.PodSpec": ["containers"],
  "core.v1.Container": ["name"],
  "core.v1.ContainerPort": ["containerPort"],
  "core.v1.EnvVar": ["name"],
  "core.v1.Volume": ["name"],
  "core.v1.VolumeMount": ["name", "mountPath"],
  "core.v1.ServicePort": ["port"],
  "core.v1.PodCondition": ["type", "status"],
  "core.v1.NodeCondition": ["type", "status"],
  "core.v1.Binding": ["target"],
  "core.v1.Event": ["metadata", "involvedObject"],
  "meta.v1.OwnerReference": ["apiVersion", "kind", "name", "uid"],
  "meta.v1.LabelSelectorRequirement": ["key", "operator"],
};

function patchMeta(message: string, field: string): OpenAPISchema {
  const short = message.replace(/^io\.k8s\.(api|apimachinery\.pkg\.apis)\./, "");
  const meta = PATCH_META[`${short}.${field}`];
  if (!meta) return {};
  return { "x-kubernetes-patch-strategy": meta[0], ...(meta[1] ? { "x-kubernetes-patch-merge-key": meta[1] } : {}) };
}

const SCALARS: Record<string, OpenAPISchema> = {
  string: { type: "string" },
  int32: { type: "integer", format: "int32" },
  int64: { type: "integer", format: "int64" },
  bool: { type: "boolean" },
  double: { type: "number", format: "double" },
  bytes: { type: "string", format: "byte" },
};

/** The schema of a value of type t, without a description. */
function typeSchema(t: SchemaFieldType): OpenAPISchema {
  switch (t.kind) {
    case "scalar": return { ...SCALARS[t.scalar] };
    case "list": return { type: "array", items: typeSchema(t.of) };
    case "map": return { type: "object", additionalProperties: typeSchema(t.of) };
    case "message": return { $ref: ref(t.ref) };
    case "special":
      return t.special === "any" ? { type: "object", "x-kubernetes-preserve-unknown-fields": true } : { $ref: ref(SPECIAL_SCHEMA_NAMES[t.special]) };
  }
}

function propertySchema(m: MessageSchema, f: FieldSchema): OpenAPISchema {
  const s = typeSchema(f.type);
  const described = s.$ref ? { allOf: [s], ...(f.pointer ? {} : { default: {} }) } : s;
  return { ...described, description: f.description, ...patchMeta(m.name, f.json) };
}

function messageComponent(m: MessageSchema): OpenAPISchema {
  const properties: Record<string, OpenAPISchema> = {};
  if (m.gvk) {
    properties.apiVersion = { type: "string", description: "The versioned schema of this object; the server may convert it to its preferred version." };
    properties.kind = { type: "string", description: "The REST type of this object, in CamelCase." };
  }
  for (const f of m.fields.values()) properties[f.json] = propertySchema(m, f);
  const out: OpenAPISchema = { type: "object", description: m.description, properties };
  const required = REQUIRED[m.name.replace(/^io\.k8s\.(api|apimachinery\.pkg\.apis)\./, "")]?.filter((f) => f in properties);
  if (required?.length) out.required = required;
  if (m.gvk) out["x-kubernetes-group-version-kind"] = [{ group: m.gvk.group, kind: m.gvk.kind, version: m.gvk.version }];
  return out;
}

/** Hand-written schemas for the special types and ListMeta, which are not DSL messages. */
function fixedComponents(): Record<string, OpenAPISchema> {
  return {
    [SPECIAL_SCHEMA_NAMES.IntOrString]: { type: "string", format: "int-or-string", description: "Either a whole number or a string, such as a port number or a port name." },
    [SPECIAL_SCHEMA_NAMES.Quantity]: { type: "string", description: "A decimal amount with an optional SI or binary suffix, such as 500m, 1.5 or 128Mi." },
    [SPECIAL_SCHEMA_NAMES.Time]: { type: "string", format: "date-time", description: "An RFC 3339 timestamp with second precision." },
    [SPECIAL_SCHEMA_NAMES.MicroTime]: { type: "string", format: "date-time", description: "An RFC 3339 timestamp with microsecond precision." },
    [SPECIAL_SCHEMA_NAMES.RawExtension]: { type: "object", description: "An embedded object of any kind." },
    [SPECIAL_SCHEMA_NAMES.FieldsV1]: { type: "object", description: "A set of field paths encoded as a JSON tree." },
    [LIST_META]: {
      type: "object",
      description: "Metadata of a list response.",
      properties: {
        resourceVersion: { type: "string", description: "The version of the collection the list reflects; watch from here." },
        continue: { type: "string", description: "Token for fetching the next page when the list was limited." },
        remainingItemCount: { type: "integer", format: "int64", description: "Items left after this page, when known." },
      },
    },
  };
}

/** The List kind schema for a top-level kind, e.g. DeploymentList. */
function listComponent(m: MessageSchema): OpenAPISchema {
  const gvk = m.gvk!;
  return {
    type: "object",
    description: `A list of ${gvk.kind} objects.`,
    required: ["items"],
    properties: {
      apiVersion: { type: "string", description: "The versioned schema of this object." },
      kind: { type: "string", description: "The REST type of this object, in CamelCase." },
      metadata: { allOf: [{ $ref: ref(LIST_META) }], default: {}, description: "Standard list metadata." },
      items: { type: "array", items: { $ref: ref(m.name) }, description: `The ${gvk.kind} objects.` },
    },
    "x-kubernetes-group-version-kind": [{ group: gvk.group, kind: `${gvk.kind}List`, version: gvk.version }],
  };
}

/** The OpenAPI name of a kind's list schema. */
export const listSchemaName = (kindSchemaName: string) => `${kindSchemaName}List`;

/**
 * components.schemas for the given root messages and everything they reference, plus
 * a List schema for each root in `withLists`.
 */
export function componentsFor(roots: readonly string[], withLists: readonly string[]): Record<string, OpenAPISchema> {
  const all = allMessageSchemas();
  const fixed = fixedComponents();
  const out: Record<string, OpenAPISchema> = {};
  const visit = (name: string): void => {
    if (out[name]) return;
    const m = all.get(name);
    if (!m) {
      if (fixed[name]) out[name] = fixed[name];
      return;
    }
    out[name] = messageComponent(m);
    for (const f of m.fields.values()) for (const r of refsOf(f.type)) visit(r);
  };
  for (const r of roots) visit(r);
  for (const r of withLists) {
    out[listSchemaName(r)] = listComponent(all.get(r)!);
    visit(LIST_META);
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b)));
}

function refsOf(t: SchemaFieldType): string[] {
  if (t.kind === "list" || t.kind === "map") return refsOf(t.of);
  if (t.kind === "message") return [t.ref];
  if (t.kind === "special" && t.special !== "any") return [SPECIAL_SCHEMA_NAMES[t.special]];
  return [];
}
