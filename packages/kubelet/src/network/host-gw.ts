/**
 * The host-gw network agent, a small controller inside the kubelet: a Node informer feeds a
 * work queue whose one key means "reconcile this machine's pod network": ip_forward on, our
 * iptables chains right, and a route to every other node's podCIDR via its InternalIP.
 * Routes stay when the kubelet stops (a restart must not cut pod traffic); `cleanupPodNetwork`
 * (kates-kubelet --cleanup-network) removes them and our rules.
 */
import { readFile, writeFile } from "node:fs/promises";
import { networkInterfaces } from "node:os";
import type { Node } from "@kates/api";
import { runWorkers, WorkQueue, type Informer } from "@kates/client";
import type { Logger } from "@kates/component-base";
import { runCommand, type Runner } from "./exec.js";
import { PodNetworkRules } from "./iptables.js";
import { DEFAULT_ROUTE_PROTOCOL, RouteTable, desiredRoutes, nodeRoute } from "./routes.js";

export interface HostGwOptions {
  nodeName: string;
  /** The whole pod network (all nodes' podCIDRs); pod traffic leaving it is masqueraded. */
  clusterCIDR: string;
  routeProtocol?: number;
  /** Full reconcile this often even without Node events (someone may remove a route or rule). */
  resyncMs?: number;
  run?: Runner;
  /** This machine's addresses; nodes with one of them as InternalIP need no route. */
  localAddresses?: () => Set<string>;
  /** Where ip_forward is switched on; "" skips it (tests). */
  ipForwardPath?: string;
}

/** Every IPv4 address of this machine. */
export function localIPv4Addresses(): Set<string> {
  const out = new Set<string>();
  for (const addrs of Object.values(networkInterfaces())) for (const a of addrs ?? []) if (a.family === "IPv4") out.add(a.address);
  return out;
}

const KEY = "pod-network";

/** The agent; `run` drives it until the signal aborts. */
export class HostGwAgent {
  private readonly queue = new WorkQueue<string>();
  private readonly routes: RouteTable;
  private readonly rules: PodNetworkRules;
  private readonly o: Required<HostGwOptions>;
  /** True once ip_forward and the iptables rules are in place. */
  programmed = false;

  constructor(private readonly nodes: Informer<Node>, opts: HostGwOptions, private readonly log: Logger) {
    this.o = {
      routeProtocol: DEFAULT_ROUTE_PROTOCOL,
      resyncMs: 30_000,
      run: runCommand,
      localAddresses: localIPv4Addresses,
      ipForwardPath: "/proc/sys/net/ipv4/ip_forward",
      ...opts,
    };
    this.routes = new RouteTable(this.o.run, this.o.routeProtocol);
    this.rules = new PodNetworkRules(this.o.run);
    const relevant = (n: Node) => JSON.stringify([n.metadata.name, nodeRoute(n) ?? null]);
    nodes.on("add", () => this.queue.add(KEY));
    nodes.on("update", (o, n) => relevant(o) !== relevant(n) && this.queue.add(KEY));
    nodes.on("delete", () => this.queue.add(KEY));
  }

  /** Runs until `signal` aborts; the informer is started by the caller. */
  async run(signal: AbortSignal): Promise<void> {
    if (!(await this.nodes.waitForSync(signal))) return;
    this.queue.add(KEY);
    await runWorkers(this.queue, 1, () => this.reconcile(), signal, this.log);
  }

  /** One full pass; throws (and is retried with back-off) when a step fails. */
  async reconcile(): Promise<void> {
    // Docker turns forwarding on too; a read-only /proc/sys (some containers) must not stop the rest.
    if (this.o.ipForwardPath) await ensureIpForward(this.o.ipForwardPath).catch((err) => this.log.warn({ err }, "could not set net.ipv4.ip_forward=1"));
    if (await this.rules.ensure(this.o.clusterCIDR)) this.log.info({ clusterCIDR: this.o.clusterCIDR }, "pod network iptables rules programmed");
    // This node's pods can talk now; a route to one unreachable node must not hold that back.
    this.programmed = true;
    const self = this.nodes.lister.list().find((n) => n.metadata.name === this.o.nodeName);
    const want = desiredRoutes(this.nodes.lister.list(), this.o.nodeName, this.o.localAddresses(), self?.spec?.podCIDR);
    const diff = await this.routes.sync(want);
    for (const r of diff.replace) this.log.info({ podCIDR: r.dst, via: r.via }, "route to a node's pods");
    for (const r of diff.remove) this.log.info({ podCIDR: r.dst }, "removed the route of a node that left or changed");
    this.queue.addAfter(KEY, this.o.resyncMs);
  }
}

async function ensureIpForward(path: string): Promise<void> {
  const cur = (await readFile(path, "utf8").catch(() => "")).trim();
  if (cur !== "1") await writeFile(path, "1\n");
}

/** Removes our routes and iptables rules (kates-kubelet --cleanup-network); returns how many routes went. */
export async function cleanupPodNetwork(routeProtocol = DEFAULT_ROUTE_PROTOCOL, run: Runner = runCommand): Promise<number> {
  const n = await new RouteTable(run, routeProtocol).flush();
  await new PodNetworkRules(run).remove();
  return n;
}
