/**
 * The OpenAPI v3 discovery root (`GET /openapi/v3`) and one document per group-version
 * (`GET /openapi/v3/apis/apps/v1`). Both are static for a given build, so they are built
 * once and cached together with their content hashes.
 */
import { createHash } from "node:crypto";
import { RESOURCES, apiVersionOf, schemaForKind, type ResourceInfo } from "@kates/api";
import { resourcePaths } from "./paths.js";
import { componentsFor } from "./schemas.js";

const SCALE = "io.k8s.api.autoscaling.v1.Scale";
const DELETE_OPTIONS = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions";

/** "api/v1" or "apis/apps/v1": how the root names a group-version. */
export const groupVersionPath = (ri: Pick<ResourceInfo, "group" | "version">) => (ri.group ? `apis/${ri.group}/${ri.version}` : `api/${ri.version}`);

interface Built {
  docs: Map<string, { doc: object; hash: string }>;
  root: object;
}

let cache: Built | undefined;

function buildDocument(resources: ResourceInfo[]): object {
  const kinds = resources.map((ri) => schemaForKind(apiVersionOf(ri), ri.kind)!.name);
  const roots = [...kinds, DELETE_OPTIONS, ...(resources.some((ri) => ri.hasScale) ? [SCALE] : [])];
  const paths: Record<string, unknown> = {};
  for (const ri of resources) Object.assign(paths, resourcePaths(ri));
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: "v1.32.0" },
    paths,
    components: { schemas: componentsFor(roots, kinds) },
  };
}

function build(): Built {
  const byGv = new Map<string, ResourceInfo[]>();
  for (const ri of RESOURCES) {
    const gv = groupVersionPath(ri);
    byGv.set(gv, [...(byGv.get(gv) ?? []), ri]);
  }
  const docs = new Map<string, { doc: object; hash: string }>();
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const [gv, resources] of byGv) {
    const doc = buildDocument(resources);
    const hash = createHash("sha512").update(JSON.stringify(doc)).digest("hex").toUpperCase();
    docs.set(gv, { doc, hash });
    paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${hash}` };
  }
  return { docs, root: { paths } };
}

/** The `/openapi/v3` root: one `serverRelativeURL` (with content hash) per group-version. */
export function openapiV3Root(): object {
  return (cache ??= build()).root;
}

/** The document for "api/v1" or "apis/apps/v1" (leading slash tolerated), or undefined. */
export function openapiV3Document(groupVersionPath: string): object | undefined {
  return (cache ??= build()).docs.get(groupVersionPath.replace(/^\/+/, ""))?.doc;
}

/** The content hash of a group-version document, for ETag headers. */
export function openapiV3Hash(groupVersionPath: string): string | undefined {
  return (cache ??= build()).docs.get(groupVersionPath.replace(/^\/+/, ""))?.hash;
}
