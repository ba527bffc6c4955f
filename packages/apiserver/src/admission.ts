/**
 * Admission that every write passes. Authentication and authorization live in
 * handlers/request-filters.ts, where upgrade requests reach them as well as express routes.
 */
import { ApiError, NotFoundError } from "@kates/api";
import type { Registry } from "./registry/registry.js";
import { objectKey } from "./storage/keys.js";

/**
 * NamespaceLifecycle: no new objects in a namespace that does not exist or is being
 * deleted. Reads the namespaces watch cache, falling back to etcd when it lags.
 */
export function namespaceLifecycle(namespaces: Registry) {
  return async (namespace: string): Promise<void> => {
    await namespaces.cache.start();
    const ns = namespaces.cache.get(objectKey(namespaces.ri, undefined, namespace)) ?? (await namespaces.get(undefined, namespace).catch(() => undefined));
    if (!ns) throw new NotFoundError("namespaces", namespace);
    if (ns.metadata.deletionTimestamp || (ns.status as { phase?: string } | undefined)?.phase === "Terminating") {
      throw new ApiError(403, "Forbidden", `unable to create new content in namespace ${namespace} because it is being terminated`, { name: namespace, kind: "namespaces" });
    }
  };
}
