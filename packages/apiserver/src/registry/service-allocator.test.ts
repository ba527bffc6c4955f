import { describe, expect, it } from "vitest";
import { InvalidError, type KObject } from "@kates/api";
import { CLUSTER_IP_PREFIX, NODE_PORT_PREFIX, ServiceAllocator, needsHealthCheckPort } from "./service-allocator.js";

type Svc = KObject & { spec: { type?: string; clusterIP?: string; externalTrafficPolicy?: string; healthCheckNodePort?: number; ports?: { port?: number; nodePort?: number }[] } };

/** An allocator over a tiny node port range, with `taken` ports already claimed in "etcd". */
function allocator(taken: number[] = []): ServiceAllocator {
  const used = new Set(taken.map(String));
  return new ServiceAllocator({ clusterIPRange: "10.96.0.0/12", nodePortRange: "30000-30009" }, async (prefix) => (prefix === NODE_PORT_PREFIX ? used : new Set()));
}

const lb = (spec: Partial<Svc["spec"]> = {}): Svc => ({
  metadata: { namespace: "default", name: "lb" },
  spec: { type: "LoadBalancer", clusterIP: "10.96.0.20", externalTrafficPolicy: "Local", ports: [{ port: 80 }], ...spec },
});

const claimed = (extra: { puts?: { key: string }[] }) => (extra.puts ?? []).map((p) => p.key).filter((k) => k.startsWith(NODE_PORT_PREFIX)).map((k) => Number(k.slice(NODE_PORT_PREFIX.length))).sort();

describe("ServiceAllocator healthCheckNodePort", () => {
  it("allocates one for a LoadBalancer with externalTrafficPolicy Local, from the node port range, distinct from its nodePorts", async () => {
    const svc = lb();
    const extra = await allocator([30000, 30001, 30002, 30003, 30004, 30005, 30006, 30007]).allocate(svc);
    const hc = svc.spec.healthCheckNodePort!;
    expect([30008, 30009]).toContain(hc);
    expect(hc).not.toBe(svc.spec.ports![0]!.nodePort);
    expect(claimed(extra)).toEqual([30008, 30009]);
    expect(extra.mustNotExist).toContain(NODE_PORT_PREFIX + hc);
    expect(needsHealthCheckPort(svc)).toBe(true);
    expect(needsHealthCheckPort(lb({ externalTrafficPolicy: "Cluster" }))).toBe(false);
    expect(needsHealthCheckPort(lb({ type: "NodePort" }))).toBe(false);
  });

  it("allocates none for Cluster policy or a Local NodePort", async () => {
    for (const svc of [lb({ externalTrafficPolicy: "Cluster" }), lb({ type: "NodePort" })]) {
      const extra = await allocator().allocate(svc);
      expect(svc.spec.healthCheckNodePort).toBeUndefined();
      expect(claimed(extra)).toHaveLength(1);
    }
  });

  it("claims a requested one, and rejects one out of range or equal to a nodePort with a 422 naming the field", async () => {
    const svc = lb({ healthCheckNodePort: 30005 });
    expect(claimed(await allocator().allocate(svc))).toContain(30005);
    expect(svc.spec.healthCheckNodePort).toBe(30005);
    await expect(allocator().allocate(lb({ healthCheckNodePort: 40000 }))).rejects.toThrow(/spec\.healthCheckNodePort: Invalid value: 40000: provided port is not in the valid range/);
    const dup = allocator().allocate(lb({ healthCheckNodePort: 30003, ports: [{ port: 80, nodePort: 30003 }] }));
    await expect(dup).rejects.toBeInstanceOf(InvalidError);
    await expect(dup).rejects.toThrow(/spec\.healthCheckNodePort: Duplicate value: 30003/);
  });

  it("never picks a requested port for another field of the same Service", async () => {
    // Over a 10-port range a random pick would land on the requested ports often within 50 tries.
    for (let i = 0; i < 50; i++) {
      const svc = lb({ healthCheckNodePort: 30005, ports: [{ port: 80 }, { port: 81, nodePort: 30006 }] });
      await allocator().allocate(svc);
      expect(svc.spec.ports![0]!.nodePort).not.toBe(30005);
      expect(svc.spec.ports![0]!.nodePort).not.toBe(30006);
    }
  });

  it("forbids one on a Service that does not need it", async () => {
    await expect(allocator().allocate(lb({ externalTrafficPolicy: "Cluster", healthCheckNodePort: 30005 }))).rejects.toThrow(/spec\.healthCheckNodePort: Forbidden/);
  });

  it("keeps it across updates and releases it when the Service no longer needs it or is deleted", async () => {
    const a = allocator();
    const old = lb({ ports: [{ port: 80, nodePort: 30001 }], healthCheckNodePort: 30002 });
    const same = lb({ ports: [{ port: 80, nodePort: 30001 }], healthCheckNodePort: 30002 });
    const kept = await a.allocate(same, old);
    expect(kept.puts).toEqual([]);
    expect(kept.deletes).toEqual([]);

    const cluster = lb({ externalTrafficPolicy: "Cluster", ports: [{ port: 80, nodePort: 30001 }] });
    const dropped = await a.allocate(cluster, old);
    expect(dropped.deletes).toEqual([NODE_PORT_PREFIX + "30002"]);
    expect(cluster.spec.healthCheckNodePort).toBeUndefined();

    const moved = lb({ ports: [{ port: 80, nodePort: 30001 }], healthCheckNodePort: 30007 });
    const m = await a.allocate(moved, old);
    expect(claimed(m)).toEqual([30007]);
    expect(m.deletes).toEqual([NODE_PORT_PREFIX + "30002"]);

    // Turning Local on later allocates one then.
    const local = lb({ ports: [{ port: 80, nodePort: 30001 }] });
    const l = await a.allocate(local, cluster);
    expect(claimed(l)).toEqual([local.spec.healthCheckNodePort]);

    expect(a.release(old).deletes).toEqual([CLUSTER_IP_PREFIX + "10.96.0.20", NODE_PORT_PREFIX + "30001", NODE_PORT_PREFIX + "30002"]);
    // A stored Service that never needed one releases only what it holds.
    expect(a.release(cluster).deletes).toEqual([CLUSTER_IP_PREFIX + "10.96.0.20", NODE_PORT_PREFIX + "30001"]);
  });

  it("names spec.healthCheckNodePort when its key was taken by another Service", () => {
    const err = allocator().takenError(lb({ ports: [{ port: 80, nodePort: 30001 }], healthCheckNodePort: 30002 }), NODE_PORT_PREFIX + "30002");
    expect(err.message).toContain("spec.healthCheckNodePort: Invalid value: 30002: provided port is already allocated");
    const np = allocator().takenError(lb({ ports: [{ port: 80, nodePort: 30001 }], healthCheckNodePort: 30002 }), NODE_PORT_PREFIX + "30001");
    expect(np.message).toContain("spec.ports[0].nodePort");
  });
});
