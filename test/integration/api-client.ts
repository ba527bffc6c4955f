/**
 * A deliberately plain HTTP helper for integration tests: raw requests, raw answers, so the
 * tests check the wire format itself rather than what a client library makes of it.
 */
export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export class Api {
  constructor(readonly url: string) {}

  async req<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<ApiResponse<T>> {
    const init: RequestInit = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === "string" || body instanceof Uint8Array ? (body as BodyInit) : JSON.stringify(body);
      (init.headers as Record<string, string>)["content-type"] ??= "application/json";
    }
    const res = await fetch(this.url + path, init);
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // plain text bodies (healthz) stay strings
    }
    return { status: res.status, headers: res.headers, body: parsed as T };
  }

  get = <T = any>(path: string, headers?: Record<string, string>) => this.req<T>("GET", path, undefined, headers);
  post = <T = any>(path: string, body: unknown, headers?: Record<string, string>) => this.req<T>("POST", path, body, headers);
  put = <T = any>(path: string, body: unknown, headers?: Record<string, string>) => this.req<T>("PUT", path, body, headers);
  del = <T = any>(path: string, body?: unknown) => this.req<T>("DELETE", path, body);
  patch = <T = any>(path: string, body: unknown, type: string) => this.req<T>("PATCH", path, body, { "content-type": type });

  /** Opens a watch and collects events until `until` returns true or the timeout passes. */
  async watch(path: string, until: (events: any[]) => boolean, timeoutMs = 10_000, headers: Record<string, string> = {}): Promise<any[]> {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), timeoutMs);
    const events: any[] = [];
    try {
      const res = await fetch(this.url + path, { signal: ac.signal, headers });
      const reader = res.body!.getReader();
      const dec = new TextDecoder();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let i;
        while ((i = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, i).trim();
          buf = buf.slice(i + 1);
          if (line) events.push(JSON.parse(line));
        }
        if (until(events)) break;
      }
    } catch (err) {
      if ((err as Error).name !== "AbortError") throw err;
    } finally {
      clearTimeout(timer);
      ac.abort();
    }
    return events;
  }
}

export const pod = (name: string, labels: Record<string, string> = { app: "web" }, extra: Record<string, unknown> = {}) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, labels },
  spec: { containers: [{ name: "nginx", image: "nginx:1.24.0" }] },
  ...extra,
});

export const deployment = (name: string, replicas = 3) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, labels: { app: name } },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "nginx", image: "nginx:1.24.0" }] } },
  },
});

export const service = (name: string, spec: Record<string, unknown> = {}) => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name },
  spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 80 }], ...spec },
});
