/**
 * The REST verbs on resource paths (Kubernetes' endpoints/handlers): get, list, watch,
 * create, update, patch, delete and deletecollection, plus the status, scale, binding,
 * eviction and finalize subresources. Each verb decodes, hands one function to the
 * registry and writes the answer; the rules live in the registry and strategies.
 */
import type { Request, Response } from "express";
import type { Logger } from "pino";
import {
  ApiError, BadRequestError, UnknownResourceError, ConflictError, MethodNotAllowedError, UnsupportedMediaTypeError, apiVersionOf,
  type DeleteOptions, type KObject,
} from "@kates/api";
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, serverSideApply } from "../patch/index.js";
import { makeFilter } from "../registry/filter.js";
import type { Registry } from "../registry/registry.js";
import { rfc3339 } from "../registry/object-meta.js";
import type { EtcdStore } from "../storage/etcd-store.js";
import { decodeObject, enforceSchema, fieldValidationOf, mediaType, parseJSON, parseYAML, readBody } from "./body.js";
import type { RequestInfo } from "./request-info.js";
import { addWarnings, sendJSON, sendList, sendListJSON, sendObject, successStatus, wantsTable } from "./respond.js";
import { scaleOf, applyScale } from "./scale.js";
import { proxyPodLog } from "../proxy/index.js";
import { serveWatch, type WatchSettings } from "./watch-handler.js";


export class ResourceHandler {
  constructor(
    private readonly registries: Map<string, Registry>,
    private readonly store: EtcdStore,
    private readonly watchSettings: WatchSettings,
    private readonly log: Logger,
  ) {}

  registryFor(info: RequestInfo): Registry {
    const r = this.registries.get(`${info.ri.group}/${info.ri.resource}`);
    if (!r) throw new UnknownResourceError();
    return r;
  }

  async handle(req: Request, res: Response, info: RequestInfo): Promise<void> {
    const reg = this.registryFor(info);
    const { name, subresource } = info;
    const sub = subresource ?? "";
    if (sub && sub !== "status" && !(sub === "scale" && info.ri.hasScale) && !info.ri.extraSubresources.includes(sub)) throw new UnknownResourceError();
    switch (req.method) {
      case "GET":
        if (!name) return req.query.watch === "true" || req.query.watch === "1" ? this.watch(req, res, reg, info) : this.list(req, res, reg, info);
        if (sub === "scale") return sendJSON(res, 200, scaleOf(reg.ri, await reg.get(info.namespace, name)));
        if (sub === "log" && reg.ri.resource === "pods") return proxyPodLog(req, res, reg, this.registries.get("/nodes")!, info.namespace!, name);
        if (sub === "exec" || sub === "portforward") throw new BadRequestError("Upgrade request required");
        if (sub && sub !== "status") throw new UnknownResourceError();
        return sendObject(req, res, reg.ri, 200, await reg.get(info.namespace, name));
      case "POST":
        if (!name) return this.create(req, res, reg, info);
        if (sub === "binding") return this.bind(req, res, reg, info);
        if (sub === "eviction") return this.evict(req, res, reg, info);
        if (sub === "exec" || sub === "portforward") throw new BadRequestError("Upgrade request required");
        throw new MethodNotAllowedError(`the server does not allow this method on the requested resource`);
      case "PUT":
        if (!name) throw new MethodNotAllowedError("the server does not allow this method on the requested resource");
        return this.update(req, res, reg, info);
      case "PATCH":
        if (!name) throw new MethodNotAllowedError("the server does not allow this method on the requested resource");
        return this.patch(req, res, reg, info);
      case "DELETE":
        return name ? this.delete(req, res, reg, info) : this.deleteCollection(req, res, reg, info);
      default:
        throw new MethodNotAllowedError(`the server does not allow this method on the requested resource`);
    }
  }

  private async list(req: Request, res: Response, reg: Registry, info: RequestInfo): Promise<void> {
    const q = req.query;
    const filter = makeFilter(reg.ri, str(q.labelSelector), str(q.fieldSelector));
    const limit = q.limit ? Number(q.limit) : undefined;
    if (limit !== undefined && (!Number.isInteger(limit) || limit < 0)) throw new BadRequestError(`invalid limit: ${String(q.limit)}`);
    const opts = { filter, limit, continue: str(q.continue), resourceVersion: str(q.resourceVersion), resourceVersionMatch: str(q.resourceVersionMatch) };
    // Plain JSON lists skip decoding and re-encoding every item (Tables need the objects).
    const raw = wantsTable(req) ? undefined : await reg.listJSON(info.namespace, opts);
    if (raw) return sendListJSON(res, reg.ri, raw.items, raw.resourceVersion, raw.continue);
    const r = await reg.list(info.namespace, opts);
    sendList(req, res, reg.ri, r.items, r.resourceVersion, r.continue);
  }

  private watch(req: Request, res: Response, reg: Registry, info: RequestInfo): Promise<void> {
    const filter = makeFilter(reg.ri, str(req.query.labelSelector), str(req.query.fieldSelector));
    return serveWatch(req, res, reg, this.store, info.namespace, filter, this.watchSettings, this.log);
  }

  private async create(req: Request, res: Response, reg: Registry, info: RequestInfo): Promise<void> {
    const body = await readBody(req);
    const obj = decodeObject(body, mediaType(req));
    this.checkTypeMeta(obj, reg);
    const warnings = enforceSchema(obj, apiVersionOf(reg.ri), reg.ri.kind, fieldValidationOf(req.query.fieldValidation), jsonBody(req, body));
    const created = await reg.create(info.namespace, obj, this.writeOptions(req));
    addWarnings(res, warnings);
    sendObject(req, res, reg.ri, 201, created);
  }

  private async update(req: Request, res: Response, reg: Registry, info: RequestInfo): Promise<void> {
    const body = await readBody(req);
    const sub = info.subresource;
    if (sub === "scale") {
      const scale = decodeObject(body, mediaType(req));
      const rv = scale.metadata.resourceVersion || undefined;
      const updated = await reg.guaranteedUpdate(info.namespace, info.name!, (cur) => applyScale(reg.ri, cur, scale), { ...this.writeOptions(req), subresource: "scale", preconditionRV: rv });
      return sendJSON(res, 200, scaleOf(reg.ri, updated));
    }
    const obj = decodeObject(body, mediaType(req));
    this.checkTypeMeta(obj, reg);
    const warnings = enforceSchema(obj, apiVersionOf(reg.ri), reg.ri.kind, fieldValidationOf(req.query.fieldValidation), jsonBody(req, body));
    // Endpoints (and Leases' holders) may be written with PUT before they exist, as in Kubernetes.
    const allowCreate = !sub && (reg.ri.resource === "endpoints");
    const updated = await reg.update(info.namespace, info.name!, obj, { ...this.writeOptions(req), subresource: sub, allowCreate });
    addWarnings(res, warnings);
    sendObject(req, res, reg.ri, 200, updated);
  }

  private async patch(req: Request, res: Response, reg: Registry, info: RequestInfo): Promise<void> {
    const type = mediaType(req);
    const body = await readBody(req);
    const mode = fieldValidationOf(req.query.fieldValidation);
    const opts = this.writeOptions(req);
    const sub = info.subresource;
    const apiVersion = apiVersionOf(reg.ri);
    let warnings: string[] = [];
    const typeMeta = { apiVersion, kind: reg.ri.kind };

    if (type === "application/apply-patch+yaml") {
      if (sub) throw new BadRequestError("apply patches are not supported on subresources here");
      const applied = parseYAML(body) as KObject;
      if (!applied || typeof applied !== "object") throw new BadRequestError("the apply configuration must be an object");
      applied.metadata ??= {};
      this.checkTypeMeta(applied, reg, true);
      if (applied.metadata.name && applied.metadata.name !== info.name) throw new BadRequestError(`the name of the object (${applied.metadata.name}) does not match the name on the URL (${info.name})`);
      warnings = enforceSchema(applied, apiVersion, reg.ri.kind, mode);
      const manager = opts.fieldManager;
      if (!manager) throw new BadRequestError("PATCH, application/apply-patch+yaml requests must have the fieldManager parameter set");
      const force = req.query.force === "true";
      const now = rfc3339();
      const updated = await reg.guaranteedUpdate(info.namespace, info.name!, (cur) => serverSideApply(cur, applied, { manager, force, apiVersion, now }), {
        dryRun: opts.dryRun,
        create: () => {
          const obj = serverSideApply(undefined, { ...applied, metadata: { ...applied.metadata, name: info.name } }, { manager, force, apiVersion, now });
          return obj;
        },
      });
      addWarnings(res, warnings);
      return sendObject(req, res, reg.ri, 200, updated);
    }

    const patch = parseJSON(body);
    const apply = (target: unknown): unknown => {
      switch (type) {
        case "application/merge-patch+json": return applyMergePatch(target, patch);
        case "application/strategic-merge-patch+json": return applyStrategicMergePatch(target, patch, typeMeta);
        case "application/json-patch+json": return applyJsonPatch(target, patch);
        default: throw new UnsupportedMediaTypeError(type);
      }
    };
    if (!["application/merge-patch+json", "application/strategic-merge-patch+json", "application/json-patch+json"].includes(type)) throw new UnsupportedMediaTypeError(type);

    if (sub === "scale") {
      const updated = await reg.guaranteedUpdate(info.namespace, info.name!, (cur) => applyScale(reg.ri, cur, apply(scaleOf(reg.ri, cur)) as KObject), { ...opts, subresource: "scale" });
      return sendJSON(res, 200, scaleOf(reg.ri, updated));
    }
    // A resourceVersion inside the patch is a precondition, as in Kubernetes.
    const pinned = (patch as { metadata?: { resourceVersion?: string } } | null)?.metadata?.resourceVersion;
    const updated = await reg.guaranteedUpdate(info.namespace, info.name!, (cur) => {
      const next = apply(cur) as KObject;
      if (!next || typeof next !== "object" || Array.isArray(next)) throw new BadRequestError("the patched object is not an object");
      next.metadata ??= {};
      warnings = enforceSchema(next, apiVersion, reg.ri.kind, mode);
      if (next.metadata.resourceVersion !== cur.metadata.resourceVersion && !pinned) next.metadata.resourceVersion = cur.metadata.resourceVersion;
      return next;
    }, { ...opts, subresource: sub, preconditionRV: pinned });
    addWarnings(res, warnings);
    sendObject(req, res, reg.ri, 200, updated);
  }

  private async delete(req: Request, res: Response, reg: Registry, info: RequestInfo): Promise<void> {
    if (info.subresource) throw new MethodNotAllowedError("the server does not allow this method on the requested resource");
    const options = await this.deleteOptions(req);
    const obj = await reg.delete(info.namespace, info.name!, options, this.writeOptions(req, options));
    sendObject(req, res, reg.ri, 200, obj);
  }

  private async deleteCollection(req: Request, res: Response, reg: Registry, info: RequestInfo): Promise<void> {
    const options = await this.deleteOptions(req);
    const filter = makeFilter(reg.ri, str(req.query.labelSelector), str(req.query.fieldSelector));
    const { items, resourceVersion } = await reg.list(info.namespace, { filter });
    const deleted: KObject[] = [];
    for (const o of items) {
      try {
        deleted.push(await reg.delete(o.metadata.namespace, o.metadata.name!, options, this.writeOptions(req, options)));
      } catch (err) {
        if (!(err instanceof ApiError && err.code === 404)) throw err;
      }
    }
    sendList(req, res, reg.ri, deleted, resourceVersion);
  }

  private async bind(req: Request, res: Response, reg: Registry, info: RequestInfo): Promise<void> {
    const binding = decodeObject(await readBody(req), mediaType(req)) as KObject & { target?: { name?: string; kind?: string } };
    const node = binding.target?.name;
    if (!node) throw new BadRequestError("binding target name is required");
    await reg.guaranteedUpdate(info.namespace, info.name!, (pod) => {
      const spec = pod.spec as { nodeName?: string };
      if (pod.metadata.deletionTimestamp) throw new ConflictError("pods", info.name!, "", "pod is being deleted, cannot be assigned to a host");
      if (spec.nodeName) throw new ConflictError("pods", info.name!, "", `pod ${info.name} is already assigned to node "${spec.nodeName}"`);
      spec.nodeName = node;
      const status = (pod.status ??= {}) as { conditions?: { type: string; status: string; lastTransitionTime?: string | null; lastProbeTime?: null }[] };
      const conds = (status.conditions ??= []).filter((c) => c.type !== "PodScheduled");
      conds.push({ type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: rfc3339() });
      status.conditions = conds;
      return pod;
    }, { ...this.writeOptions(req), subresource: "binding" });
    sendJSON(res, 201, successStatus());
  }

  private async evict(req: Request, res: Response, reg: Registry, info: RequestInfo): Promise<void> {
    const body = await readBody(req);
    const eviction = body.length ? (decodeObject(body, mediaType(req)) as KObject & { deleteOptions?: DeleteOptions }) : undefined;
    await reg.delete(info.namespace, info.name!, eviction?.deleteOptions ?? {});
    sendJSON(res, 201, successStatus());
  }

  private checkTypeMeta(obj: KObject, reg: Registry, required = false): void {
    const want = apiVersionOf(reg.ri);
    if ((required || obj.apiVersion) && obj.apiVersion !== want) {
      throw new BadRequestError(`the API version in the data (${obj.apiVersion ?? ""}) does not match the expected API version (${want})`);
    }
    if ((required || obj.kind) && obj.kind !== reg.ri.kind) {
      throw new BadRequestError(`the kind in the data (${obj.kind ?? ""}) does not match the expected kind (${reg.ri.kind})`);
    }
  }

  private writeOptions(req: Request, options?: DeleteOptions) {
    const dry = req.query.dryRun;
    const dryRun = dry === "All" || (Array.isArray(dry) && dry.includes("All")) || !!options?.dryRun?.includes("All");
    if (dry !== undefined && !dryRun) throw new BadRequestError(`dryRun: Unsupported value: ${JSON.stringify(dry)}: supported values: "All"`);
    const ua = String(req.headers["user-agent"] ?? "unknown");
    return { dryRun, fieldManager: str(req.query.fieldManager) ?? ua.split("/")[0] };
  }

  private async deleteOptions(req: Request): Promise<DeleteOptions> {
    const body = await readBody(req);
    const opts: DeleteOptions = body.length ? (parseJSON(body) as DeleteOptions) : {};
    const q = req.query;
    if (q.gracePeriodSeconds !== undefined) opts.gracePeriodSeconds = Number(q.gracePeriodSeconds);
    if (q.propagationPolicy !== undefined) opts.propagationPolicy = str(q.propagationPolicy) as DeleteOptions["propagationPolicy"];
    if (opts.propagationPolicy && !["Orphan", "Background", "Foreground"].includes(opts.propagationPolicy)) {
      throw new BadRequestError(`propagationPolicy: Unsupported value: ${JSON.stringify(opts.propagationPolicy)}: supported values: "Foreground", "Background", "Orphan"`);
    }
    return opts;
  }
}

/** The body when it is JSON (the only format whose duplicate keys we have to find ourselves). */
function jsonBody(req: Request, body: Buffer): Buffer | undefined {
  const t = mediaType(req);
  return t === "" || t === "application/json" ? body : undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}
