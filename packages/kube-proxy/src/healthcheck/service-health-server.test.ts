import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import type { Logger } from "@kates/component-base";
import type { ServicePortInfo } from "../types.js";
import { serviceHealthChecks, ServiceHealthServer } from "./service-health-server.js";

const quiet = { info() {}, warn() {}, error() {}, debug() {}, trace() {} } as unknown as Logger;

function port(over: Partial<ServicePortInfo> = {}): ServicePortInfo {
  return {
    key: "default/lb:http", namespace: "default", name: "lb", portName: "http", protocol: "tcp", clusterIP: "10.96.0.20", port: 80,
    loadBalancerIPs: [], loadBalancerSourceRanges: [], externalIPs: [], endpoints: [], ...over,
  };
}

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const p = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return p;
}

describe("serviceHealthChecks", () => {
  it("counts ready endpoints on this node, once per address, for Services with a health check port only", () => {
    const eps = [{ ip: "10.244.1.2", port: 8080, nodeName: "n1" }, { ip: "10.244.2.3", port: 8080, nodeName: "n2" }, { ip: "10.244.1.4", port: 8080, nodeName: "n1" }, { ip: "10.244.1.5", port: 8080 }];
    const checks = serviceHealthChecks([
      port({ healthCheckNodePort: 31000, endpoints: eps }),
      port({ key: "default/lb:https", portName: "https", port: 443, healthCheckNodePort: 31000, endpoints: eps.map((e) => ({ ...e, port: 8443 })) }),
      port({ key: "default/other:", name: "other", endpoints: eps }),
      port({ key: "default/drain:", name: "drain", healthCheckNodePort: 31001, endpoints: [eps[0]!], terminatingFallback: true }),
    ], "n1");
    expect([...checks]).toEqual([
      [31000, { namespace: "default", name: "lb", localEndpoints: 2 }],
      [31001, { namespace: "default", name: "drain", localEndpoints: 0 }],
    ]);
    expect(serviceHealthChecks([port({ healthCheckNodePort: 31000, endpoints: eps })], "n3").get(31000)!.localEndpoints).toBe(0);
  });
});

describe("ServiceHealthServer", () => {
  let server: ServiceHealthServer | undefined;
  afterEach(async () => server?.close());

  it("answers 200 with local endpoints, 503 without, and closes ports no longer asked for", async () => {
    let healthy = true;
    server = new ServiceHealthServer(quiet, { host: "127.0.0.1", proxyHealthy: () => healthy });
    const p = await freePort();
    const url = `http://127.0.0.1:${p}/`;
    await server.sync(new Map([[p, { namespace: "default", name: "lb", localEndpoints: 2 }]]));
    expect(server.ports()).toEqual([p]);
    let res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.json()).toEqual({ service: { namespace: "default", name: "lb" }, localEndpoints: 2, serviceProxyHealthy: true });

    await server.sync(new Map([[p, { namespace: "default", name: "lb", localEndpoints: 0 }]]));
    res = await fetch(url);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ service: { namespace: "default", name: "lb" }, localEndpoints: 0, serviceProxyHealthy: true });

    // A proxy whose rules are stale is unhealthy for every Service.
    await server.sync(new Map([[p, { namespace: "default", name: "lb", localEndpoints: 1 }]]));
    healthy = false;
    res = await fetch(url);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { serviceProxyHealthy: boolean }).serviceProxyHealthy).toBe(false);

    await server.sync(new Map());
    expect(server.ports()).toEqual([]);
    await expect(fetch(url)).rejects.toThrow();
  });

  it("retries a port it could not bind at the next sync", async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const p = (blocker.address() as net.AddressInfo).port;
    server = new ServiceHealthServer(quiet, { host: "127.0.0.1" });
    const checks = new Map([[p, { namespace: "default", name: "lb", localEndpoints: 1 }]]);
    await server.sync(checks);
    expect(server.ports()).toEqual([]);
    await new Promise((r) => blocker.close(r));
    await server.sync(checks);
    expect(server.ports()).toEqual([p]);
    expect((await fetch(`http://127.0.0.1:${p}/`)).status).toBe(200);
  });
});
