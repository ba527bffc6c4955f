/**
 * Parses an API path into what the request is about, as Kubernetes' RequestInfoFactory
 * does: /api/v1/namespaces/NS/pods/NAME/status -> {group "", version v1, namespace NS,
 * resource pods, name NAME, subresource status}.
 */
import { findResource, UnknownResourceError, type ResourceInfo } from "@kates/api";


export interface RequestInfo {
  group: string;
  version: string;
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
  ri: ResourceInfo;
}

/** Subresources of namespaces themselves, which must not be read as "namespace X, resource Y". */
const namespaceSubresources = new Set(["status", "finalize"]);

/** Returns undefined for paths that are not resource paths (discovery documents). */
export function parseRequestInfo(path: string): RequestInfo | undefined {
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === "api" && parts.length >= 3) {
    group = "";
    version = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === "apis" && parts.length >= 4) {
    group = parts[1];
    version = parts[2];
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3 && !(rest.length === 3 && namespaceSubresources.has(rest[2]))) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource, ...more] = rest;
  const ri = findResource(group, version, resource);
  if (!ri || more.length > 0) {
    throw new UnknownResourceError();
  }
  if (namespace !== undefined && !ri.namespaced) throw new UnknownResourceError();
  return { group, version, namespace, resource, name, subresource, ri };
}
