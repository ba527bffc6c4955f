/**
 * The outer machine's side of a lab: a project-owned Docker bridge network with a known
 * subnet, a TCP forwarder that makes the loopback image registry reachable from the hosts,
 * routes the lab adds on this machine, and removal of what a crashed earlier run left behind.
 */
import "./dind-env.js";
import { createHash } from "node:crypto";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { getContainerRuntimeClient } from "testcontainers";
import { mustRun, runCommand } from "./dind-exec.js";

/** Label on every container and network a lab creates; its value is the lab's name. */
export const LAB_LABEL = "io.kates.lab";
/** PID of the test process that owns the object, to find leftovers of dead runs. */
export const OWNER_LABEL = "io.kates.lab.owner-pid";

/** A lab network: `10.250.K.0/24`, gateway `.1`, hosts from `.2`; LoadBalancer pool `10.251.K.0/28`. */
export interface LabNetwork {
  name: string;
  id: string;
  subnet: string;
  gateway: string;
  /** The outer machine's bridge interface. */
  bridge: string;
  /** A /28 for Services of type LoadBalancer that nothing else on this machine uses. */
  lbPool: string;
  /** Address of the i-th host (0-based). */
  hostIP(i: number): string;
  remove(): Promise<void>;
}

/** Creates the lab's network, trying /24s of 10.250.0.0/16 until Docker accepts one that overlaps nothing. */
export async function createLabNetwork(lab: string, labels: Record<string, string>): Promise<LabNetwork> {
  const client = await getContainerRuntimeClient();
  const start = createHash("sha256").update(`${lab}-${process.pid}`).digest()[0]!;
  let lastError: unknown;
  for (let attempt = 0; attempt < 64; attempt++) {
    const k = (start + attempt * 7) % 256;
    const subnet = `10.250.${k}.0/24`;
    const gateway = `10.250.${k}.1`;
    const name = `kates-lab-${lab}-${k}`;
    const bridge = `kates-${k}-${process.pid % 10000}`.slice(0, 15);
    try {
      const network = await client.network.create({
        Name: name,
        Driver: "bridge",
        CheckDuplicate: true,
        IPAM: { Driver: "default", Config: [{ Subnet: subnet, Gateway: gateway }] },
        Options: { "com.docker.network.bridge.name": bridge },
        Labels: labels,
      });
      return {
        name,
        id: network.id,
        subnet,
        gateway,
        bridge,
        lbPool: `10.251.${k}.0/28`,
        hostIP: (i) => `10.250.${k}.${i + 2}`,
        remove: async () => {
          await client.network.remove(network);
        },
      };
    } catch (err) {
      lastError = err;
      if (!/overlap|already exists|in use/i.test(String(err))) throw err;
    }
  }
  throw new Error(`no free /24 in 10.250.0.0/16 for lab ${lab}: ${String(lastError)}`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes lab containers (with their volumes) and networks whose owning test process is gone. */
export async function removeStaleLabs(): Promise<void> {
  const ps = await runCommand(["docker", "ps", "-a", "--filter", `label=${OWNER_LABEL}`, "--format", `{{.ID}} {{.Label "${OWNER_LABEL}"}}`]);
  const dead = ps.stdout.split("\n").map((l) => l.trim().split(" ")).filter(([id, pid]) => id && !alive(Number(pid))).map(([id]) => id!);
  if (dead.length) await runCommand(["docker", "rm", "-f", "-v", ...dead]);
  const nets = await runCommand(["docker", "network", "ls", "--filter", `label=${OWNER_LABEL}`, "--format", `{{.ID}} {{.Label "${OWNER_LABEL}"}}`]);
  for (const [id, pid] of nets.stdout.split("\n").map((l) => l.trim().split(" "))) {
    if (id && !alive(Number(pid))) await runCommand(["docker", "network", "rm", id]);
  }
}

/**
 * Forwards `listenHost:port` to `target` (host:port) for the lab's lifetime: the image registry
 * only listens on this machine's loopback, and each host forwards its own 127.0.0.1:5000 here
 * (entrypoint.sh), so the shims pull `127.0.0.1:5000/library/…` as on a one-host cluster.
 */
export class TcpForwarder {
  private constructor(
    private readonly server: Server,
    private readonly sockets: Set<Socket>,
    /** `host:port` it listens on. */
    readonly address: string,
  ) {}

  static listen(listenHost: string, target: string): Promise<TcpForwarder> {
    const colon = target.lastIndexOf(":");
    const host = target.slice(0, colon);
    const port = Number(target.slice(colon + 1));
    const sockets = new Set<Socket>();
    const server = createServer((client) => {
      const upstream = createConnection({ host, port });
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.once("close", () => sockets.delete(s));
        s.on("error", () => (client.destroy(), upstream.destroy()));
      }
      client.pipe(upstream).pipe(client);
    });
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen({ host: listenHost, port: 0 }, () => {
        const addr = server.address();
        resolve(new TcpForwarder(server, sockets, `${listenHost}:${typeof addr === "object" && addr ? addr.port : 0}`));
      });
    });
  }

  /** Stops listening and cuts open connections. */
  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Routes a lab added on this machine, so they can be taken away again. */
export class OuterRoutes {
  private readonly added = new Set<string>();

  /** `ip route replace CIDR via GATEWAY` on this machine. */
  async add(cidr: string, via: string): Promise<void> {
    await mustRun(["ip", "route", "replace", cidr, "via", via]);
    this.added.add(cidr);
  }

  async remove(cidr: string): Promise<void> {
    if (!this.added.delete(cidr)) return;
    await runCommand(["ip", "route", "del", cidr]);
  }

  async removeAll(): Promise<void> {
    for (const cidr of [...this.added]) await this.remove(cidr);
  }
}
