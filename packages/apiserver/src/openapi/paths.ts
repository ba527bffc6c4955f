/**
 * OpenAPI v3 `paths` for one group-version, built from the RESOURCES table. kubectl finds
 * a kind's PATCH operation by `x-kubernetes-group-version-kind` and, when it lists a
 * `fieldValidation` parameter, leaves validation to the server (kubectl-wire.md §7).
 */
import { apiVersionOf, schemaForKind, type ResourceInfo } from "@kates/api";
import { listSchemaName, type OpenAPISchema } from "./schemas.js";

const SCALE = "io.k8s.api.autoscaling.v1.Scale";
const DELETE_OPTIONS = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions";
const PATCH_TYPES = ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml"];

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

const query = (name: string, description: string, type = "string"): OpenAPISchema => ({ name, in: "query", description, schema: { type, uniqueItems: true } });
const pathParam = (name: string, description: string): OpenAPISchema => ({ name, in: "path", required: true, description, schema: { type: "string", uniqueItems: true } });

const P = {
  pretty: query("pretty", "Indent the JSON output when true."),
  dryRun: query("dryRun", "When All, run admission and validation but persist nothing."),
  fieldManager: query("fieldManager", "Name of the actor making the change, recorded in managedFields."),
  fieldValidation: query("fieldValidation", "Ignore, Warn or Strict: how the server treats unknown or duplicate fields."),
  force: query("force", "Take ownership of conflicting fields on an apply patch.", "boolean"),
  labelSelector: query("labelSelector", "Only return objects whose labels match."),
  fieldSelector: query("fieldSelector", "Only return objects whose fields match."),
  limit: query("limit", "Most items to return in one page.", "integer"),
  continue: query("continue", "Token from a previous page to continue listing."),
  resourceVersion: query("resourceVersion", "Version constraint on the data served."),
  watch: query("watch", "Stream changes instead of returning a list.", "boolean"),
  timeoutSeconds: query("timeoutSeconds", "Limit on the duration of a list or watch call.", "integer"),
  gracePeriodSeconds: query("gracePeriodSeconds", "Seconds before the object is deleted.", "integer"),
  propagationPolicy: query("propagationPolicy", "Orphan, Background or Foreground handling of dependents."),
  name: (kind: string) => pathParam("name", `Name of the ${kind}.`),
  namespace: pathParam("namespace", "The namespace of the objects, for namespaced kinds."),
};

const jsonBody = (schema: OpenAPISchema) => ({ content: { "application/json": { schema }, "application/yaml": { schema } } });
const ok = (schema: OpenAPISchema, code = "200", description = "OK") => ({ [code]: { description, ...jsonBody(schema) } });

function camelGroup(group: string): string {
  const first = group ? group.split(".")[0]! : "core";
  return first[0]!.toUpperCase() + first.slice(1);
}

interface OpContext {
  ri: ResourceInfo;
  gvk: { group: string; version: string; kind: string };
  schema: string;
  base: string; // operationId middle, e.g. "AppsV1NamespacedDeployment"
}

function op(c: OpContext, verb: string, action: string, extra: OpenAPISchema, gvk = c.gvk): OpenAPISchema {
  return {
    tags: [`${camelGroup(c.ri.group).toLowerCase()}_${c.ri.version}`],
    description: `${verb} ${action === "list" || action === "deletecollection" ? `objects of kind ${c.gvk.kind}` : `the specified ${c.gvk.kind}`}`,
    operationId: `${verb}${c.base}`,
    "x-kubernetes-action": action,
    "x-kubernetes-group-version-kind": gvk,
    ...extra,
  };
}

function itemOps(c: OpContext, schema: string, suffix: string, gvk: OpContext["gvk"]): OpenAPISchema {
  const cs = { ...c, base: c.base + suffix };
  const write = [P.dryRun, P.fieldManager, P.fieldValidation];
  return {
    get: op(cs, "read", "get", { responses: ok(ref(schema)) }, gvk),
    put: op(cs, "replace", "put", { parameters: write, requestBody: { ...jsonBody(ref(schema)), required: true }, responses: { ...ok(ref(schema)), ...ok(ref(schema), "201", "Created") } }, gvk),
    patch: op(cs, "patch", "patch", {
      parameters: [...write, P.force],
      requestBody: { content: Object.fromEntries(PATCH_TYPES.map((t) => [t, { schema: { type: "object" } }])), required: true },
      responses: { ...ok(ref(schema)), ...ok(ref(schema), "201", "Created") },
    }, gvk),
  };
}

/** The paths of one resource (collection, item, status and scale). */
export function resourcePaths(ri: ResourceInfo): Record<string, OpenAPISchema> {
  const schema = schemaForKind(apiVersionOf(ri), ri.kind)!.name;
  const gvk = { group: ri.group, version: ri.version, kind: ri.kind };
  const prefix = ri.group ? `/apis/${ri.group}/${ri.version}` : `/api/${ri.version}`;
  const scope = ri.namespaced ? "Namespaced" : "";
  const c: OpContext = { ri, gvk, schema, base: `${camelGroup(ri.group)}${ri.version[0]!.toUpperCase()}${ri.version.slice(1)}${scope}${ri.kind}` };
  const collection = ri.namespaced ? `${prefix}/namespaces/{namespace}/${ri.resource}` : `${prefix}/${ri.resource}`;
  const scopeParams = ri.namespaced ? [P.namespace, P.pretty] : [P.pretty];
  const listParams = [P.labelSelector, P.fieldSelector, P.limit, P.continue, P.resourceVersion, P.timeoutSeconds, P.watch];
  const deleteParams = [P.dryRun, P.gracePeriodSeconds, P.propagationPolicy];
  const out: Record<string, OpenAPISchema> = {
    [collection]: {
      parameters: scopeParams,
      get: op(c, "list", "list", { parameters: listParams, responses: ok(ref(listSchemaName(schema))) }),
      post: op(c, "create", "post", {
        parameters: [P.dryRun, P.fieldManager, P.fieldValidation],
        requestBody: { ...jsonBody(ref(schema)), required: true },
        responses: { ...ok(ref(schema)), ...ok(ref(schema), "201", "Created"), ...ok(ref(schema), "202", "Accepted") },
      }),
      delete: op(c, "deletecollection", "deletecollection", { parameters: [...listParams, ...deleteParams], requestBody: jsonBody(ref(DELETE_OPTIONS)), responses: ok({ type: "object" }) }),
    },
    [`${collection}/{name}`]: {
      parameters: [P.name(ri.kind), ...scopeParams],
      ...itemOps(c, schema, "", gvk),
      delete: op(c, "delete", "delete", { parameters: deleteParams, requestBody: jsonBody(ref(DELETE_OPTIONS)), responses: { ...ok(ref(schema)), ...ok(ref(schema), "202", "Accepted") } }),
    },
  };
  if (ri.namespaced) {
    out[`${prefix}/${ri.resource}`] = {
      parameters: [P.pretty],
      get: op({ ...c, base: `${c.base.replace("Namespaced", "")}ForAllNamespaces` }, "list", "list", { parameters: listParams, responses: ok(ref(listSchemaName(schema))) }),
    };
  }
  if (ri.hasStatus) out[`${collection}/{name}/status`] = { parameters: [P.name(ri.kind), ...scopeParams], ...itemOps(c, schema, "Status", gvk) };
  if (ri.hasScale) {
    out[`${collection}/{name}/scale`] = { parameters: [P.name("Scale"), ...scopeParams], ...itemOps(c, SCALE, "Scale", { group: "autoscaling", version: "v1", kind: "Scale" }) };
  }
  return out;
}
