/**
 * A minimal keep-alive HTTP client for the benchmark. It talks node:http directly rather
 * than through @kates/client so that what is measured is the apiserver plus one loopback
 * round trip, not a client library's own overhead.
 */
import http from "node:http";

/** A response with its whole body read. */
export interface HttpResponse {
  status: number;
  body: Buffer;
}

/** Keep-alive JSON requests against one base URL. */
export class BenchHttpClient {
  private readonly agent: http.Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(baseUrl: string, maxSockets = 128) {
    const u = new URL(baseUrl);
    this.host = u.hostname;
    this.port = Number(u.port);
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  /** Sends one request and reads the whole response body. */
  request(method: string, path: string, body?: unknown): Promise<HttpResponse> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: http.OutgoingHttpHeaders = { accept: "application/json", "user-agent": "kates-bench" };
    if (payload) {
      headers["content-type"] = "application/json";
      headers["content-length"] = payload.length;
    }
    return new Promise((resolve, reject) => {
      const req = http.request({ host: this.host, port: this.port, method, path, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(payload);
    });
  }

  /** Like {@link request}, but throws unless the status is `expect`; returns the parsed body. */
  async json<T = unknown>(method: string, path: string, body: unknown, expect: number): Promise<T> {
    const res = await this.request(method, path, body);
    if (res.status !== expect) throw new Error(`${method} ${path}: HTTP ${res.status} (want ${expect}): ${res.body.toString().slice(0, 500)}`);
    return JSON.parse(res.body.toString()) as T;
  }

  /** Like {@link request} but only checks the status: for large lists the body stays unparsed. */
  async expect(method: string, path: string, body: unknown, status: number): Promise<Buffer> {
    const res = await this.request(method, path, body);
    if (res.status !== status) throw new Error(`${method} ${path}: HTTP ${res.status} (want ${status}): ${res.body.toString().slice(0, 500)}`);
    return res.body;
  }

  /** Closes idle keep-alive sockets. */
  close(): void {
    this.agent.destroy();
  }
}
