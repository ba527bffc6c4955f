/**
 * etcd key layout, as kube-apiserver lays it out: `/registry/<resource>/<namespace>/<name>`
 * for namespaced objects and `/registry/<resource>/<name>` for cluster-scoped ones.
 * Group-qualified resources get their group in the path so two groups never share a prefix.
 */
import type { ResourceInfo } from "@kates/api";

export const REGISTRY_PREFIX = "/registry/";

/** The prefix under which every object of a resource lives. */
export function resourcePrefix(ri: Pick<ResourceInfo, "group" | "resource">): string {
  return ri.group ? `${REGISTRY_PREFIX}${ri.group}/${ri.resource}/` : `${REGISTRY_PREFIX}${ri.resource}/`;
}

/** The prefix of one namespace's objects, or of the whole resource when namespace is empty. */
export function listPrefix(ri: Pick<ResourceInfo, "group" | "resource" | "namespaced">, namespace?: string): string {
  return ri.namespaced && namespace ? `${resourcePrefix(ri)}${namespace}/` : resourcePrefix(ri);
}

export function objectKey(ri: Pick<ResourceInfo, "group" | "resource" | "namespaced">, namespace: string | undefined, name: string): string {
  return ri.namespaced ? `${resourcePrefix(ri)}${namespace}/${name}` : `${resourcePrefix(ri)}${name}`;
}

/** The smallest key greater than every key starting with prefix (etcd's range_end for a prefix). */
export function prefixEnd(prefix: string): Buffer {
  const b = Buffer.from(prefix);
  for (let i = b.length - 1; i >= 0; i--) {
    if (b[i] < 0xff) {
      const end = Buffer.from(b.subarray(0, i + 1));
      end[i]++;
      return end;
    }
  }
  return Buffer.from([0]);
}
