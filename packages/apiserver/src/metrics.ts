/**
 * /metrics: request counts and latency histograms in Prometheus' format, named and labelled
 * as kube-apiserver does (verb, resource, subresource, code) so dashboards' queries read the same.
 */
import type { Request, Response } from "express";
import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { RequestAttributes, RequestRecorder } from "./handlers/request-filters.js";

export class ApiMetrics implements RequestRecorder {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: "apiserver_request_total",
    help: "Counter of apiserver requests broken out by verb, resource, subresource and HTTP response code.",
    labelNames: ["verb", "resource", "subresource", "code"],
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: "apiserver_request_duration_seconds",
    help: "Response latency distribution in seconds for each verb, resource and subresource (watches excluded; upgrades until switched).",
    labelNames: ["verb", "resource", "subresource"],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Counts one finished request; both the express path and the upgrade path call this. */
  record(attrs: RequestAttributes, code: number, seconds: number): void {
    const { metricsVerb: verb, resource, subresource } = attrs;
    this.requests.inc({ verb, resource, subresource, code: String(code) });
    // A watch's duration is how long the client kept it open, not how fast we served it.
    if (verb !== "WATCH") this.latency.observe({ verb, resource, subresource }, seconds);
  }

  async handler(_req: Request, res: Response): Promise<void> {
    res.setHeader("Content-Type", this.registry.contentType);
    res.end(await this.registry.metrics());
  }
}
