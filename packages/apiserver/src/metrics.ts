/**
 * /metrics: request counts and latency histograms in Prometheus' format, named as
 * kube-apiserver names them so existing dashboards' queries read the same.
 */
import type { NextFunction, Request, Response } from "express";
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export class ApiMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: "apiserver_request_total",
    help: "Counter of apiserver requests broken out by verb, resource and HTTP response code.",
    labelNames: ["verb", "resource", "code"],
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: "apiserver_request_duration_seconds",
    help: "Response latency distribution in seconds for each verb and resource (watches excluded).",
    labelNames: ["verb", "resource"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Express middleware that observes every request when its response finishes. */
  middleware() {
    return (req: Request, res: Response, next: NextFunction) => {
      const start = process.hrtime.bigint();
      res.on("finish", () => {
        const { verb, resource } = describe(req);
        this.requests.inc({ verb, resource, code: String(res.statusCode) });
        if (verb !== "WATCH") this.latency.observe({ verb, resource }, Number(process.hrtime.bigint() - start) / 1e9);
      });
      next();
    };
  }

  async handler(_req: Request, res: Response): Promise<void> {
    res.setHeader("Content-Type", this.registry.contentType);
    res.end(await this.registry.metrics());
  }
}

/** Kubernetes-style verb (LIST vs GET, WATCH) and the resource segment of the path. */
function describe(req: Request): { verb: string; resource: string } {
  const parts = req.path.split("/").filter(Boolean);
  const start = parts[0] === "api" ? 2 : parts[0] === "apis" ? 3 : -1;
  if (start < 0) return { verb: req.method, resource: "" };
  let rest = parts.slice(start);
  if (rest[0] === "namespaces" && rest.length >= 3) rest = rest.slice(2);
  const resource = rest[2] ? `${rest[0]}/${rest[2]}` : rest[0] ?? "";
  let verb = req.method;
  if (req.method === "GET" && rest.length === 1) verb = req.query.watch === "true" || req.query.watch === "1" ? "WATCH" : "LIST";
  return { verb, resource };
}
