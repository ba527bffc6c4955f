/** RestClient: the typed HTTP client for the kates apiserver (Kubernetes REST conventions). */
import http from "node:http";
import https from "node:https";
import type { IncomingMessage } from "node:http";
import type { Binding, KObject, ResourceInfo } from "@kates/api";
import { ConnectionError, errorFromResponse } from "./errors.js";
import { TokenBucket } from "./rate-limiter.js";
import { ResourceClient, type ResourceRef } from "./resource-client.js";

/** How to reach the apiserver. `loadClientConfig()` returns a compatible object. */
export interface RestClientConfig {
  /** Base URL, e.g. `http://127.0.0.1:6443`. */
  server: string;
  userAgent?: string;
  /** Client-side request rate limit (requests per second); 0 disables. Default 50. */
  qps?: number;
  /** Burst for the rate limit. Default 100. */
  burst?: number;
  /** Timeout for non-watch requests in ms. Default 30000. */
  timeoutMs?: number;
  /** Bearer token. */
  token?: string;
  /** PEM CA bundle, client certificate and key for https servers. */
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  insecureSkipTLSVerify?: boolean;
}

/** Query parameter values; undefined ones are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

/** One HTTP request to the apiserver. */
export interface RequestOptions {
  method?: string;
  /** Absolute path, e.g. `/api/v1/namespaces/default/pods`. */
  path: string;
  query?: Query;
  /** Objects are sent as JSON; strings and Buffers as they are. */
  body?: unknown;
  /** Defaults to application/json when there is a body. */
  contentType?: string;
  /** Defaults to application/json. */
  accept?: string;
  signal?: AbortSignal;
  /** Overrides the client's timeout; 0 means none. */
  timeoutMs?: number;
}

/**
 * The low-level client: one keep-alive agent per instance, client-side throttling, JSON in and
 * out, and typed errors (`NotFoundError`, `ConflictError`, ...) for non-2xx answers.
 * @example
 * const rest = new RestClient(loadClientConfig());
 * const pods = rest.resource<Pod>(findResource("", "v1", "pods")!, "default");
 * const pod = await pods.get("web-0");
 */
export class RestClient {
  readonly server: URL;
  private readonly agent: http.Agent;
  private readonly limiter: TokenBucket;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(readonly config: RestClientConfig) {
    this.server = new URL(config.server);
    const tls = this.server.protocol === "https:";
    this.agent = tls
      ? new https.Agent({ keepAlive: true, ca: config.ca, cert: config.cert, key: config.key, rejectUnauthorized: !config.insecureSkipTLSVerify })
      : new http.Agent({ keepAlive: true });
    this.limiter = new TokenBucket(config.qps ?? 50, config.burst ?? 100);
    this.timeoutMs = config.timeoutMs ?? 30_000;
    this.headers = { "User-Agent": config.userAgent ?? `kates-client/0.1.0 (node ${process.version})` };
    if (config.token) this.headers.Authorization = `Bearer ${config.token}`;
  }

  /** Sends a request and returns the parsed JSON body (text if not JSON, undefined if empty). */
  async request<R = unknown>(opts: RequestOptions): Promise<R> {
    const res = await this.send(opts, false);
    const text = await readBody(res, opts);
    if (!text) return undefined as R;
    const ct = res.headers["content-type"] ?? "";
    if (ct.includes("json") || /^\s*[[{]/.test(text)) return JSON.parse(text) as R;
    return text as R;
  }

  /**
   * Sends a request and returns the response stream once a 2xx status arrived (used for watch).
   * No timeout applies; abort with `opts.signal`.
   */
  async stream(opts: RequestOptions): Promise<IncomingMessage> {
    return this.send({ timeoutMs: 0, ...opts }, true);
  }

  /** A typed client for one resource, optionally bound to a namespace. */
  resource<T extends KObject>(ri: ResourceInfo | ResourceRef, namespace?: string): ResourceClient<T> {
    return new ResourceClient<T>(this, ri, namespace);
  }

  /** Binds a pod to a node (what the scheduler does): POST pods/NAME/binding. */
  async createBinding(namespace: string, podName: string, nodeName: string): Promise<void> {
    const body: Binding = {
      apiVersion: "v1",
      kind: "Binding",
      metadata: { name: podName, namespace },
      target: { apiVersion: "v1", kind: "Node", name: nodeName },
    };
    await this.request({ method: "POST", path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(podName)}/binding`, body });
  }

  /** Closes idle keep-alive sockets; in-flight requests and watches are not affected. */
  close(): void {
    this.agent.destroy();
  }

  private async send(opts: RequestOptions, streaming: boolean): Promise<IncomingMessage> {
    await this.limiter.wait(opts.signal);
    opts.signal?.throwIfAborted();
    const method = opts.method ?? "GET";
    const url = new URL(this.server.pathname.replace(/\/$/, "") + opts.path, this.server);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { ...this.headers, Accept: opts.accept ?? "application/json" };
    let payload: string | Buffer | undefined;
    if (opts.body !== undefined) {
      payload = typeof opts.body === "string" || Buffer.isBuffer(opts.body) ? opts.body : JSON.stringify(opts.body);
      headers["Content-Type"] = opts.contentType ?? "application/json";
      headers["Content-Length"] = String(Buffer.byteLength(payload));
    }
    const what = `${method} ${opts.path}`;
    const lib = url.protocol === "https:" ? https : http;
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;

    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = lib.request(url, { method, headers, agent: this.agent, signal: opts.signal }, resolve);
      req.on("error", (err: NodeJS.ErrnoException) => {
        if (err.name === "AbortError") return reject(err);
        reject(new ConnectionError(`${what}: cannot reach the apiserver at ${this.server.origin}: ${err.message}`, { cause: err }));
      });
      if (timeoutMs > 0) {
        req.setTimeout(timeoutMs, () => req.destroy(new Error(`no response within ${timeoutMs} ms`)));
      }
      req.end(payload);
    });
    const code = res.statusCode ?? 0;
    if (code >= 200 && code < 300) {
      if (streaming) res.socket?.setTimeout(0);
      return res;
    }
    throw errorFromResponse(code, await readBody(res, opts));
  }
}

function readBody(res: IncomingMessage, opts: RequestOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    res.on("error", (err) => {
      if (err.name === "AbortError" || opts.signal?.aborted) return reject(err);
      reject(new ConnectionError(`${opts.method ?? "GET"} ${opts.path}: connection lost while reading the response: ${err.message}`, { cause: err }));
    });
  });
}
