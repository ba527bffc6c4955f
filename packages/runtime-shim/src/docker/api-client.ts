/**
 * JSON requests to the Docker Engine API over its unix socket, with keep-alive. The engine's
 * plain request/response calls go through here rather than dockerode: importing dockerode
 * loads ssh2, whose WebAssembly module alone keeps about 13 MB resident in every shim.
 */
import http from "node:http";

/** An engine error shaped like dockerode's (statusCode, json.message), which errors.ts maps. */
export class EngineApiError extends Error {
  constructor(readonly statusCode: number, readonly json: { message?: string } | null, what: string) {
    super(`(HTTP code ${statusCode}) ${what} - ${json?.message ?? ""}`);
  }
}

export class EngineApiClient {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  constructor(private readonly socketPath: string) {}

  /** Sends one request; statuses outside 2xx throw an {@link EngineApiError}. Empty bodies give undefined. */
  request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: http.OutgoingHttpHeaders = payload ? { "content-type": "application/json", "content-length": payload.length } : {};
    return new Promise<T>((resolve, reject) => {
      const req = http.request({ socketPath: this.socketPath, path, method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString();
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = { message: text.trim() };
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve(parsed as T);
          else reject(new EngineApiError(status, (parsed as { message?: string }) ?? null, `${method} ${path.split("?")[0]}`));
        });
      });
      req.on("error", reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Encodes query parameters, JSON-encoding objects as the Engine API expects for `filters`. */
export function query(params: Record<string, string | number | boolean | object | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, typeof v === "object" ? JSON.stringify(v) : String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}
