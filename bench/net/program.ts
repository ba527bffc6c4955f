/**
 * Part 1 of bench:net: how long kube-proxy takes to program many Services. Objects are created
 * through the API with a bounded number in flight; the figure is the time from the last API
 * change (the last create's answer) until kube-proxy reports an applied ruleset holding them all.
 */
import { findResource, type EndpointSlice, type Namespace, type Service } from "@kates/api";
import type { RestClient } from "@kates/client";
import type { BenchProxy, ProxyHealth } from "./proxy-process.js";

export interface ProgramResult {
  services: number;
  endpointsPerService: number;
  /** Wall time to create all Services and EndpointSlices through the API. */
  createMs: number;
  /** Last API change -> applied (kube-proxy's clock and ours are the same machine's). */
  programmedMs: number;
  /** kube-proxy's figures for its last write. */
  lastApplied: Record<string, number>;
}

const endpointIP = (i: number, j: number) => {
  const n = i * 10 + j;
  return `10.244.${1 + Math.floor(n / 250)}.${1 + (n % 250)}`;
};

function sliceFor(name: string, i: number, endpoints: number, salt = 0): EndpointSlice {
  return {
    apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice",
    metadata: { name: `${name}-s`, labels: { "kubernetes.io/service-name": name } },
    addressType: "IPv4",
    endpoints: Array.from({ length: endpoints }, (_, j) => ({ addresses: [endpointIP(i, (j + salt) % 20)], conditions: { ready: true } })),
    ports: [{ name: "http", port: 8080, protocol: "TCP" }],
  };
}

async function pool<T>(items: T[], inFlight: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: inFlight }, async () => {
    while (next < items.length) await fn(items[next++]!);
  }));
}

export async function programServices(rest: RestClient, proxy: BenchProxy, base: ProxyHealth, ns: string, count: number, endpoints: number): Promise<ProgramResult> {
  await rest.resource<Namespace>(findResource("", "v1", "namespaces")!).create({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  const services = rest.resource<Service>(findResource("", "v1", "services")!, ns);
  const slices = rest.resource<EndpointSlice>(findResource("discovery.k8s.io", "v1", "endpointslices")!, ns);
  const t0 = Date.now();
  await pool([...Array(count).keys()], 32, async (i) => {
    const name = `svc-${String(i).padStart(4, "0")}`;
    await services.create({ apiVersion: "v1", kind: "Service", metadata: { name }, spec: { ports: [{ name: "http", port: 80, targetPort: 8080, protocol: "TCP" }] } });
    await slices.create(sliceFor(name, i, endpoints));
  });
  const lastChange = Date.now();
  const h = await proxy.until((x) => x.lastSyncedServices >= base.lastSyncedServices + count && x.lastSyncedEndpoints >= base.lastSyncedEndpoints + count * endpoints, 60_000, `${count} services programmed`);
  return { services: count, endpointsPerService: endpoints, createMs: lastChange - t0, programmedMs: Math.max(0, h.lastAppliedAt - lastChange), lastApplied: h.lastApplied };
}

/** One endpoint of one Service changes among all the others: time from the API answer to applied. */
export async function oneChange(rest: RestClient, proxy: BenchProxy, ns: string, i: number, endpoints: number, salt: number): Promise<{ ms: number; lastApplied: Record<string, number> }> {
  const slices = rest.resource<EndpointSlice>(findResource("discovery.k8s.io", "v1", "endpointslices")!, ns);
  const name = `svc-${String(i).padStart(4, "0")}`;
  const cur = await slices.get(`${name}-s`);
  const before = (await proxy.health())!.applies;
  const body = sliceFor(name, i, endpoints, salt);
  await slices.update({ ...body, metadata: cur.metadata });
  const changed = Date.now();
  const h = await proxy.until((x) => x.applies > before, 10_000, "one change applied");
  return { ms: Math.max(0, h.lastAppliedAt - changed), lastApplied: h.lastApplied };
}
