/**
 * Admission that every write passes, and the place where authentication and authorization
 * middleware go when a later issue adds TLS, tokens, client certificates and RBAC:
 * `authenticate` sets req.user, `authorize` decides on (user, verb, resource, namespace).
 * Today both admit every request, as an insecure local port does.
 */
import type { NextFunction, Request, Response } from "express";
import { ApiError, NotFoundError } from "@kates/api";
import type { Registry } from "./registry/registry.js";
import { objectKey } from "./storage/keys.js";

/** Placeholder: every request is the anonymous admin until authentication exists. */
export function authenticate(req: Request, _res: Response, next: NextFunction): void {
  (req as Request & { user?: { name: string; groups: string[] } }).user = { name: "system:anonymous-admin", groups: ["system:masters"] };
  next();
}

/** Placeholder: allows everything; RBAC plugs in here. */
export function authorize(_req: Request, _res: Response, next: NextFunction): void {
  next();
}

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
