/**
 * GET pods/NAME/log: forwards to the kubelet's /containerLogs and streams its answer back as
 * it arrives (kubectl logs -f reads it live); ends when the kubelet ends it, and drops the
 * kubelet request when the client goes away.
 */
import http from "node:http";
import type { Request, Response } from "express";
import { BadRequestError, ServiceUnavailableError } from "@kates/api";
import type { Registry } from "../registry/registry.js";
import { resolvePodTarget } from "./kubelet-location.js";

const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);

/** The kubelet query for a pods/log request (PodLogOptions → containerLogs parameters). */
export function containerLogsQuery(q: Record<string, unknown>, now = Date.now()): URLSearchParams {
  const out = new URLSearchParams();
  for (const k of ["follow", "previous", "timestamps"]) {
    const v = str(q[k]);
    if (v === "true" || v === "1") out.set(k, "true");
  }
  for (const k of ["tailLines", "sinceSeconds", "limitBytes"]) {
    const v = str(q[k]);
    if (v === undefined || v === "") continue;
    if (!/^\d+$/.test(v)) throw new BadRequestError(`invalid ${k}: ${v}`);
    out.set(k, v);
  }
  const sinceTime = str(q.sinceTime);
  if (sinceTime && !out.has("sinceSeconds")) {
    const t = Date.parse(sinceTime);
    if (Number.isNaN(t)) throw new BadRequestError(`invalid sinceTime: ${sinceTime}`);
    out.set("sinceSeconds", String(Math.max(1, Math.ceil((now - t) / 1000))));
  }
  return out;
}

/** Serves pods/log by proxying to the pod's kubelet. */
export async function proxyPodLog(req: Request, res: Response, pods: Registry, nodes: Registry, namespace: string, name: string): Promise<void> {
  const query = containerLogsQuery(req.query as Record<string, unknown>);
  const target = await resolvePodTarget(pods, nodes, namespace, name, str(req.query.container));
  const path = `/containerLogs/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/${encodeURIComponent(target.container)}?${query}`;
  await new Promise<void>((resolve, reject) => {
    const upstream = http.get({ host: target.location.host, port: target.location.port, path, headers: { Accept: "*/*" } }, (kres) => {
      const headers: Record<string, string> = { "Content-Type": kres.headers["content-type"] ?? "text/plain" };
      res.writeHead(kres.statusCode ?? 502, headers);
      res.flushHeaders();
      kres.on("data", (chunk: Buffer) => res.write(chunk));
      kres.on("end", () => { res.end(); resolve(); });
      kres.on("error", () => { res.end(); resolve(); });
      kres.on("aborted", () => { res.end(); resolve(); });
    });
    upstream.on("error", (err) => {
      if (res.headersSent) {
        res.end();
        return resolve();
      }
      reject(new ServiceUnavailableError(`error trying to reach the kubelet of pod ${name} at ${target.location.host}:${target.location.port}: ${err.message}`));
    });
    res.on("close", () => { if (!res.writableFinished) upstream.destroy(); resolve(); });
  });
}
