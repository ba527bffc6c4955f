/**
 * FakeApiServer: an in-process, in-memory HTTP server on 127.0.0.1 that speaks enough of the
 * Kubernetes wire format (lists with resourceVersion, chunked watches, 410 Expired, Status
 * errors, optimistic concurrency) to test clients, informers and controllers without etcd.
 * It is a test double, not a second apiserver: no validation, defaulting or selectors beyond
 * `k=v` labels and `metadata.name`.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import {
  AlreadyExistsError, ApiError, ConflictError, ExpiredError, MethodNotAllowedError, NotFoundError,
  type KObject, type WatchEvent,
} from "@kates/api";

/** One request the fake server received. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
}

interface Route {
  prefix: string;
  namespace?: string;
  resource: string;
  name?: string;
  subresource?: string;
}

interface HistoryEntry {
  rv: number;
  type: WatchEvent["type"];
  coll: string;
  object: KObject;
}

interface Watcher {
  coll: string;
  namespace?: string;
  match: (o: KObject) => boolean;
  res: http.ServerResponse;
  bookmarks: boolean;
}

const ROUTE = /^\/(api\/v1|apis\/[^/]+\/[^/]+)(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?(?:\/([^/]+))?$/;

/** In-memory Kubernetes-style API server for tests; `await start()` returns its URL. */
export class FakeApiServer {
  /** Every request received, in order. */
  readonly requests: RecordedRequest[] = [];
  /** When set, watches from an RV older than this get a 410: as an ERROR event, or as the HTTP status. */
  expiredBelow = 0;
  expireMode: "event" | "http" = "event";
  /** When set, every watch request fails with this error (e.g. a ServiceUnavailableError). */
  watchFailure?: ApiError;
  private rv = 100;
  private readonly objects = new Map<string, KObject>();
  private readonly history: HistoryEntry[] = [];
  private readonly watchers = new Set<Watcher>();
  private readonly server = http.createServer((req, res) => this.handle(req, res));

  /** Listens on a random loopback port and returns `http://127.0.0.1:PORT`. */
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.dropWatches();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** The current resourceVersion (the last write). */
  get resourceVersion(): string {
    return String(this.rv);
  }

  /** Number of open watch streams. */
  get watchCount(): number {
    return this.watchers.size;
  }

  /** Requests that were watches, with the resourceVersion each asked for. */
  watchRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.query.get("watch") === "true");
  }

  /** Breaks every open watch connection abruptly, as a crashing server would. */
  dropWatches(): void {
    for (const w of this.watchers) w.res.destroy();
    this.watchers.clear();
  }

  /** Ends every open watch normally, as a server-side watch timeout would. */
  endWatches(): void {
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
  }

  /** Sends a BOOKMARK with the current resourceVersion to watchers that allowed them. */
  sendBookmark(): void {
    for (const w of this.watchers) {
      if (w.bookmarks) w.res.write(JSON.stringify({ type: "BOOKMARK", object: { kind: "Bookmark", metadata: { resourceVersion: String(this.rv) } } }) + "\n");
    }
  }

  /** Writes an object directly, bypassing HTTP (test setup); returns the stored copy. */
  put(path: string, obj: KObject): KObject {
    const r = parseRoute(path)!;
    const key = objKey(r, obj.metadata.namespace, obj.metadata.name!);
    const type = this.objects.has(key) ? "MODIFIED" : "ADDED";
    return this.store(r, key, { ...structuredClone(obj), metadata: { uid: randomUUID(), ...structuredClone(obj.metadata) } }, type);
  }

  /** Deletes an object directly, bypassing HTTP. */
  remove(path: string, namespace: string | undefined, name: string): void {
    const r = parseRoute(path)!;
    const key = objKey(r, namespace, name);
    const obj = this.objects.get(key);
    if (!obj) return;
    this.objects.delete(key);
    this.record(r, "DELETED", { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } });
  }

  /** Reads an object directly. */
  getObject(path: string, namespace: string | undefined, name: string): KObject | undefined {
    return this.objects.get(objKey(parseRoute(path)!, namespace, name));
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://x");
    this.requests.push({ method: req.method ?? "GET", path: url.pathname, query: url.searchParams });
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      try {
        const r = parseRoute(url.pathname);
        if (!r) throw new NotFoundError("path", url.pathname);
        const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString("utf8")) as KObject) : undefined;
        this.serve(req.method ?? "GET", r, url.searchParams, body, res);
      } catch (err) {
        const e = err instanceof ApiError ? err : new ApiError(500, "InternalError", String(err));
        send(res, e.code, e.toStatus());
      }
    });
  }

  private serve(method: string, r: Route, q: URLSearchParams, body: KObject | undefined, res: http.ServerResponse): void {
    const coll = collKey(r);
    if (method === "GET" && !r.name) {
      if (q.get("watch") === "true") return this.watch(r, q, res);
      const items = [...this.objects.entries()].filter(([k, o]) => k.startsWith(coll + "|") && inNs(o, r.namespace) && matches(q)(o)).map(([, o]) => o);
      return send(res, 200, { kind: "List", apiVersion: "v1", metadata: { resourceVersion: String(this.rv) }, items });
    }
    if (method === "POST" && r.subresource === "binding") {
      const key = objKey(r, r.namespace, r.name!);
      const pod = this.mustGet(r, key);
      const target = (body as unknown as { target: { name: string } }).target;
      this.store(r, key, { ...pod, spec: { ...(pod.spec as object), nodeName: target.name } }, "MODIFIED");
      return send(res, 201, { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 });
    }
    if (method === "POST" && !r.name) {
      const name = body!.metadata.name!;
      const key = objKey(r, r.namespace, name);
      if (this.objects.has(key)) throw new AlreadyExistsError(r.resource, name);
      const obj = { ...body!, metadata: { ...body!.metadata, namespace: r.namespace, uid: randomUUID(), creationTimestamp: new Date().toISOString() } };
      return send(res, 201, this.store(r, key, obj, "ADDED"));
    }
    if (!r.name) throw new MethodNotAllowedError(`${method} on a collection is not supported by the fake`);
    const key = objKey(r, r.namespace, r.name);
    if (method === "GET") return send(res, 200, this.mustGet(r, key));
    if (method === "PUT") {
      const cur = this.mustGet(r, key);
      const want = body!.metadata.resourceVersion;
      if (want && want !== cur.metadata.resourceVersion) throw new ConflictError(r.resource, r.name);
      return send(res, 200, this.store(r, key, { ...body!, metadata: { ...body!.metadata, uid: cur.metadata.uid } }, "MODIFIED"));
    }
    if (method === "PATCH") {
      const cur = this.mustGet(r, key);
      return send(res, 200, this.store(r, key, mergePatch(cur, body) as KObject, "MODIFIED"));
    }
    if (method === "DELETE") {
      const cur = this.mustGet(r, key);
      this.objects.delete(key);
      const gone = { ...cur, metadata: { ...cur.metadata, resourceVersion: String(++this.rv) } };
      this.record(r, "DELETED", gone);
      return send(res, 200, gone);
    }
    throw new MethodNotAllowedError(`${method} is not supported by the fake`);
  }

  private watch(r: Route, q: URLSearchParams, res: http.ServerResponse): void {
    if (this.watchFailure) throw this.watchFailure;
    const from = Number(q.get("resourceVersion") || this.rv);
    if (from < this.expiredBelow) {
      const err = new ExpiredError(`too old resource version: ${from} (${this.expiredBelow})`);
      if (this.expireMode === "http") return send(res, 410, err.toStatus());
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ type: "ERROR", object: err.toStatus() }) + "\n");
      return;
    }
    res.writeHead(200, { "Content-Type": "application/json", "Transfer-Encoding": "chunked" });
    res.flushHeaders();
    const w: Watcher = { coll: collKey(r), namespace: r.namespace, match: matches(q), res, bookmarks: q.get("allowWatchBookmarks") === "true" };
    for (const h of this.history) if (h.rv > from) this.deliver(w, h);
    this.watchers.add(w);
    res.on("close", () => this.watchers.delete(w));
  }

  private deliver(w: Watcher, h: HistoryEntry): void {
    if (h.coll === w.coll && inNs(h.object, w.namespace) && w.match(h.object)) w.res.write(JSON.stringify({ type: h.type, object: h.object }) + "\n");
  }

  private mustGet(r: Route, key: string): KObject {
    const o = this.objects.get(key);
    if (!o) throw new NotFoundError(r.resource, r.name ?? "");
    return o;
  }

  private store(r: Route, key: string, obj: KObject, type: "ADDED" | "MODIFIED"): KObject {
    const stored = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(++this.rv) } };
    this.objects.set(key, stored);
    this.record(r, type, stored);
    return stored;
  }

  private record(r: Route, type: WatchEvent["type"], object: KObject): void {
    const h: HistoryEntry = { rv: this.rv, type, coll: collKey(r), object };
    this.history.push(h);
    for (const w of this.watchers) this.deliver(w, h);
  }
}

function parseRoute(path: string): Route | undefined {
  const m = ROUTE.exec(path);
  if (!m) return undefined;
  return { prefix: m[1], namespace: m[2] && decodeURIComponent(m[2]), resource: m[3], name: m[4] && decodeURIComponent(m[4]), subresource: m[5] };
}

const collKey = (r: Route) => `${r.prefix}/${r.resource}`;
const objKey = (r: Route, ns: string | undefined, name: string) => `${collKey(r)}|${ns ?? ""}|${name}`;
const inNs = (o: KObject, ns?: string) => !ns || o.metadata.namespace === ns;

function matches(q: URLSearchParams): (o: KObject) => boolean {
  const labels = (q.get("labelSelector") ?? "").split(",").filter(Boolean).map((s) => s.split("="));
  const fields = (q.get("fieldSelector") ?? "").split(",").filter(Boolean).map((s) => s.split("="));
  return (o) =>
    labels.every(([k, v]) => o.metadata.labels?.[k] === v) &&
    fields.every(([k, v]) => k !== "metadata.name" || o.metadata.name === v);
}

function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = typeof target === "object" && target !== null && !Array.isArray(target) ? { ...(target as object) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function send(res: http.ServerResponse, code: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}
