import { describe, it, expect } from "vitest";
import { Writable } from "node:stream";
import pino from "pino";
import { ApiMetrics } from "../metrics.js";
import { upgradeStatusCode } from "../proxy/upgrade.js";
import { observeRequest, requestAttributes } from "./request-filters.js";

describe("requestAttributes", () => {
  it("reads verb, namespace, resource and name as Kubernetes' RequestInfo does", () => {
    expect(requestAttributes("GET", "/api/v1/namespaces/ns/pods?watch=true")).toMatchObject({ verb: "watch", metricsVerb: "WATCH", namespace: "ns", resource: "pods", name: undefined });
    expect(requestAttributes("GET", "/api/v1/pods")).toMatchObject({ verb: "list", metricsVerb: "LIST", resource: "pods" });
    expect(requestAttributes("DELETE", "/apis/apps/v1/namespaces/ns/deployments")).toMatchObject({ verb: "deletecollection", apiGroup: "apps", resource: "deployments" });
    expect(requestAttributes("PUT", "/api/v1/namespaces/ns/pods/p/status")).toMatchObject({ verb: "update", metricsVerb: "PUT", resource: "pods", name: "p", subresource: "status" });
  });

  it("keeps a namespace's own subresources on the namespaces resource", () => {
    expect(requestAttributes("PUT", "/api/v1/namespaces/ns/finalize")).toMatchObject({ resource: "namespaces", name: "ns", subresource: "finalize", namespace: "ns" });
  });

  it("calls streaming subresources CONNECT in metrics, with the method's verb for authorization", () => {
    const exec = requestAttributes("GET", "/api/v1/namespaces/default/pods/web/exec?command=ls&stdout=true");
    expect(exec).toMatchObject({ verb: "get", metricsVerb: "CONNECT", resource: "pods", subresource: "exec", namespace: "default", name: "web" });
    expect(requestAttributes("POST", "/api/v1/namespaces/default/pods/web/portforward")).toMatchObject({ verb: "create", metricsVerb: "CONNECT", subresource: "portforward" });
  });

  it("describes non-resource paths without throwing", () => {
    expect(requestAttributes("GET", "/healthz")).toMatchObject({ isResourceRequest: false, verb: "get", metricsVerb: "GET", resource: "" });
    expect(requestAttributes("GET", "/api/v1/nosuchthing/x/y/z")).toMatchObject({ isResourceRequest: true, resource: "nosuchthing" });
  });
});

describe("observeRequest", () => {
  it("counts with verb, resource, subresource and code labels and logs one line", async () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({ write(chunk, _enc, cb) { lines.push(JSON.parse(String(chunk))); cb(); } });
    const log = pino({ level: "info" }, sink);
    const metrics = new ApiMetrics();
    const attrs = requestAttributes("GET", "/api/v1/namespaces/default/pods/web/exec?command=ls");
    observeRequest(log, metrics, { attrs, code: 101, seconds: 0.02 });
    observeRequest(log, metrics, { attrs, code: 101, seconds: 0.03 });
    observeRequest(log, metrics, { attrs: requestAttributes("POST", "/api/v1/namespaces/default/pods/gone/portforward"), code: 404, seconds: 0.001 });
    const text = await metrics.registry.metrics();
    expect(text).toContain('apiserver_request_total{verb="CONNECT",resource="pods",subresource="exec",code="101"} 2');
    expect(text).toContain('apiserver_request_total{verb="CONNECT",resource="pods",subresource="portforward",code="404"} 1');
    expect(text).toMatch(/apiserver_request_duration_seconds_count\{verb="CONNECT",resource="pods",subresource="exec"\} 2/);
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatchObject({ msg: "request", method: "POST", verb: "create", resource: "pods", subresource: "portforward", namespace: "default", name: "gone", code: 404 });
  });

  it("leaves watches out of the latency histogram", async () => {
    const metrics = new ApiMetrics();
    observeRequest(pino({ level: "silent" }), metrics, { attrs: requestAttributes("GET", "/api/v1/pods?watch=1"), code: 200, seconds: 60 });
    const text = await metrics.registry.metrics();
    expect(text).toContain('apiserver_request_total{verb="WATCH",resource="pods",subresource="",code="200"} 1');
    expect(text).not.toMatch(/apiserver_request_duration_seconds_count\{verb="WATCH"/);
  });
});

describe("upgradeStatusCode", () => {
  it("reads the kubelet's status line", () => {
    expect(upgradeStatusCode(Buffer.from("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"))).toBe(101);
    expect(upgradeStatusCode(Buffer.from("HTTP/1.1 404 Not Found\r\n"))).toBe(404);
    expect(upgradeStatusCode(Buffer.from("garbage"))).toBeUndefined();
  });
});
