/**
 * A multi-host kates cluster on Docker-in-Docker hosts, the fixture of the multi-host e2e
 * tests and the base of lab tooling. The control plane (etcd, apiserver, controller-manager,
 * scheduler, kates-dns) runs on this machine as processes bound to the lab network's gateway
 * address; every host is a container of the node image (deploy/dind/build-node-image.sh) with
 * its own dockerd, running the runtime shim, kubelet and kube-proxy from the mounted repo.
 * Images: each host's 127.0.0.1:5000 is forwarded to this machine's loopback registry through
 * the gateway, so shims pull exactly as on one host (any image, any pull policy) and nothing
 * is copied up front (deploy/dind/README.md).
 * @example
 * const lab = await startMultiHostCluster({ name: "smoke", hosts: ["a", "b"] });
 * try { await lab.kubectl(["get", "nodes", "-o", "wide"]); } finally { await lab.stop(); }
 */
import "./dind-env.js";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { REPO_ROOT } from "./apiserver.js";
import { Daemon } from "./cluster.js";
import { startControlPlane, type ControlPlane } from "./control-plane.js";
import { ensureNodeImage } from "./dind-image.js";
import { DindHost, HOST_REPO } from "./dind-host.js";
import { createLabNetwork, LAB_LABEL, OuterRoutes, OWNER_LABEL, removeStaleLabs, TcpForwarder, type LabNetwork } from "./dind-network.js";
import { kubectl, type KubectlResult } from "./kubectl.js";

export { DindHost } from "./dind-host.js";

/** Components run inside every host, by the names restart()/kill()/logs() take. */
export type HostComponent = "runtime-shim" | "kubelet" | "kube-proxy";

/** Options for {@link startMultiHostCluster}. */
export interface MultiHostClusterOptions {
  /** Lab name: in container, network and log names (letters, digits, dashes). */
  name: string;
  /** Node names; each is a host container with that hostname. */
  hosts: string[];
  /** --privileged hosts instead of the capability list (default: env KATES_DIND_PRIVILEGED=1). */
  privileged?: boolean;
  /** Run kube-proxy on every host (default: when packages/kube-proxy/dist/main.js exists). */
  kubeProxy?: boolean;
  /** Run kates-dns on this machine (default: when packages/dns/dist/main.js exists). */
  dns?: boolean;
  /** LoadBalancer address pool; default: the lab's own /28 when the controller-manager has --load-balancer-ip-pool; false: none. */
  loadBalancerPool?: string | false;
  /** Images every host pulls while the daemons start (default pause:3.9). */
  prePull?: string[];
  shimArgs?: string[];
  kubeletArgs?: string[];
  kubeProxyArgs?: string[];
  controllerManagerArgs?: string[];
  /** Wait for every node to be Ready before resolving (default true; ms bound: 120 s). */
  waitReady?: boolean;
}

/** A started lab; {@link MultiHostCluster.stop} removes everything it made. */
export interface MultiHostCluster {
  name: string;
  /** apiserver URL on the lab network's gateway (reachable from this machine and from the hosts). */
  url: string;
  network: Pick<LabNetwork, "name" | "subnet" | "gateway" | "bridge">;
  hosts: DindHost[];
  host(name: string): DindHost;
  controlPlane: ControlPlane;
  /** controller-manager, scheduler and (when running) kates-dns on this machine. */
  daemons: Daemon[];
  /** What this lab runs, decided at start from the options and the built packages. */
  features: { kubeProxy: boolean; dns: boolean; loadBalancerPool?: string };
  /** The real kubectl against this cluster (never throws for a non-zero exit). */
  kubectl(args: string[], options?: { input?: string; timeoutMs?: number }): Promise<KubectlResult>;
  /** Routes the LoadBalancer pool via a host's address on this machine (removed again by stop()). */
  routeLoadBalancerPool(via?: DindHost): Promise<void>;
  unrouteLoadBalancerPool(): Promise<void>;
  /** Tails of every daemon's output, on this machine and in every host, for failure messages. */
  logs(lines?: number): Promise<string>;
  /** Stops the daemons and removes the host containers with their volumes, the network, the routes. */
  stop(): Promise<void>;
}

const dist = (pkg: string) => `packages/${pkg}/dist/main.js`;
const hostDist = (pkg: string) => `${HOST_REPO}/${dist(pkg)}`;
const SHIM_SOCKET = "/run/kates/runtime-shim.sock";
const CLUSTER_CIDR = "10.244.0.0/16";
const CLUSTER_DNS = "10.96.0.10";

/** Whether a built daemon's --help lists `--flag`. */
function hasFlag(main: string, flag: string): boolean {
  const r = spawnSync(process.execPath, [resolve(REPO_ROOT, main), "--help"], { encoding: "utf8", timeout: 20_000 });
  return `${r.stdout}${r.stderr}`.includes(`--${flag}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function readyNodes(url: string): Promise<string[]> {
  try {
    const res = await fetch(`${url}/api/v1/nodes`, { signal: AbortSignal.timeout(5_000) });
    const list = (await res.json()) as { items?: { metadata: { name: string }; status?: { conditions?: { type: string; status: string }[] } }[] };
    return (list.items ?? []).filter((n) => n.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True")).map((n) => n.metadata.name);
  } catch {
    return [];
  }
}

// Labs not stopped when the process exits (a test runner killed mid-run) are removed synchronously.
const liveLabs = new Map<string, { containers: string[]; network?: string }>();
process.once("exit", () => {
  for (const { containers, network } of liveLabs.values()) {
    try {
      if (containers.length) execFileSync("docker", ["rm", "-f", "-v", ...containers], { stdio: "ignore" });
      if (network) execFileSync("docker", ["network", "rm", network], { stdio: "ignore" });
    } catch {
      // best effort; removeStaleLabs() catches the rest next time
    }
  }
});

/** Starts the control plane on this machine and one Docker-in-Docker host per name; see the file comment. */
export async function startMultiHostCluster(opts: MultiHostClusterOptions): Promise<MultiHostCluster> {
  const labels = { [LAB_LABEL]: opts.name, [OWNER_LABEL]: String(process.pid) };
  const privileged = opts.privileged ?? process.env.KATES_DIND_PRIVILEGED === "1";
  const kubeProxy = opts.kubeProxy ?? existsSync(resolve(REPO_ROOT, dist("kube-proxy")));
  const dns = opts.dns ?? existsSync(resolve(REPO_ROOT, dist("dns")));
  const routes = new OuterRoutes();
  const hosts: DindHost[] = [];
  const daemons: Daemon[] = [];
  const live = { containers: [] as string[], network: undefined as string | undefined };
  const liveKey = `${opts.name}-${process.hrtime.bigint()}`;
  liveLabs.set(liveKey, live);
  let network: LabNetwork | undefined;
  let controlPlane: ControlPlane | undefined;
  let forwarder: TcpForwarder | undefined;

  const stop = async () => {
    await routes.removeAll();
    await Promise.all(daemons.map((d) => d.stop()));
    await Promise.all(hosts.map((h) => h.remove().catch(() => undefined)));
    await forwarder?.close();
    await controlPlane?.stop();
    await network?.remove().catch(() => undefined);
    liveLabs.delete(liveKey);
  };

  try {
    await removeStaleLabs();
    const image = ensureNodeImage();
    network = await createLabNetwork(opts.name, labels);
    live.network = network.id;
    const gw = network.gateway;
    controlPlane = await startControlPlane({ name: opts.name, etcdMembers: 1, apiserver: { host: gw } });
    const url = controlPlane.url;
    forwarder = await TcpForwarder.listen(gw, process.env.KATES_REGISTRY ?? "127.0.0.1:5000");

    const cmMain = dist("controller-manager");
    const lbFlag = opts.loadBalancerPool !== false && hasFlag(cmMain, "load-balancer-ip-pool");
    const loadBalancerPool = lbFlag ? (opts.loadBalancerPool || network.lbPool) : undefined;
    const add = (d: Daemon) => (daemons.push(d), d.start(), d);
    add(new Daemon("controller-manager", cmMain, [
      `--server=${url}`, "--health-port=0", `--cluster-cidr=${CLUSTER_CIDR}`,
      ...(loadBalancerPool ? [`--load-balancer-ip-pool=${loadBalancerPool}`] : []), ...(opts.controllerManagerArgs ?? []),
    ]));
    add(new Daemon("scheduler", dist("scheduler"), [`--server=${url}`, "--health-port=0"]));
    // Port 53 on the gateway address only: each lab has its own gateway, so labs never clash.
    if (dns) add(new Daemon("kates-dns", dist("dns"), [`--server=${url}`, `--bind-address=${gw}`, "--port=53", "--health-port=0", `--advertise-address=${gw}`]));

    const tag = await image;
    const started = await Promise.all(
      opts.hosts.map(async (name, i) => {
        const host = await DindHost.start({
          name,
          containerName: `kates-${opts.name}-${name}-${process.pid}`,
          image: tag,
          network: network!.name,
          ip: network!.hostIP(i),
          labels,
          registryUpstream: forwarder!.address,
          privileged,
        });
        hosts.push(host);
        live.containers.push(host.id);
        return host;
      }),
    );
    hosts.sort((a, b) => opts.hosts.indexOf(a.name) - opts.hosts.indexOf(b.name));

    await Promise.all(
      started.map(async (host) => {
        const node = ["node", "--max-semi-space-size=1"];
        await host.startComponent("runtime-shim", [
          ...node, "--no-opt", "--optimize-for-size", hostDist("runtime-shim"), `--listen=unix://${SHIM_SOCKET}`, `--shim-id=${host.name}`,
          "--state-dir=/var/lib/kates/runtime-shim", "--sandbox-pool-size=1", ...(opts.shimArgs ?? []),
        ]);
        const prePull = (opts.prePull ?? ["pause:3.9"]).map((img) => `docker pull -q 127.0.0.1:5000/library/${img} >/dev/null`);
        const pulling = prePull.length ? host.exec(prePull.join(" && "), { timeoutMs: 300_000 }) : undefined;
        await host.mustExec(`for i in $(seq 1 300); do [ -S ${SHIM_SOCKET} ] && exit 0; sleep 0.1; done; echo no socket; exit 1`);
        await host.startComponent("kubelet", [
          ...node, "--lite-mode", hostDist("kubelet"), `--server=${url}`, `--node-name=${host.name}`, `--node-ip=${host.ip}`,
          `--runtime-endpoint=unix://${SHIM_SOCKET}`, "--root-dir=/var/lib/kates/kubelet", `--cluster-dns=${CLUSTER_DNS}`,
          "--crashloop-backoff-base=1s", "--image-pull-backoff-max=5s", ...(opts.kubeletArgs ?? []),
        ]);
        if (kubeProxy) {
          await host.startComponent("kube-proxy", [
            ...node, hostDist("kube-proxy"), `--server=${url}`, `--hostname-override=${host.name}`,
            `--cluster-cidr=${CLUSTER_CIDR}`, ...(opts.kubeProxyArgs ?? []),
          ]);
        }
        const pulled = await pulling;
        if (pulled && pulled.code !== 0) throw new Error(`[${host.name}] pre-pull failed:\n${pulled.stdout}${pulled.stderr}`);
      }),
    );

    const lab: MultiHostCluster = {
      name: opts.name,
      url,
      network: { name: network.name, subnet: network.subnet, gateway: gw, bridge: network.bridge },
      hosts,
      host(name) {
        const h = hosts.find((x) => x.name === name);
        if (!h) throw new Error(`no host ${name} in lab ${opts.name}`);
        return h;
      },
      controlPlane,
      daemons,
      features: { kubeProxy, dns, loadBalancerPool },
      kubectl: (args, o = {}) => kubectl(["--request-timeout=30s", ...args], { server: url, input: o.input, timeoutMs: o.timeoutMs ?? 120_000 }),
      async routeLoadBalancerPool(via = hosts[0]!) {
        if (!loadBalancerPool) throw new Error(`lab ${opts.name} has no LoadBalancer pool (controller-manager without --load-balancer-ip-pool?)`);
        await routes.add(loadBalancerPool, via.ip);
      },
      async unrouteLoadBalancerPool() {
        if (loadBalancerPool) await routes.remove(loadBalancerPool);
      },
      async logs(lines = 80) {
        const outer = daemons.map((d) => `--- ${d.name} ---\n${tail(d.output.toString(), lines)}`);
        const api = controlPlane!.apiservers.map((a) => `--- apiserver ---\n${tail(a.logs(), lines)}`);
        const inner = await Promise.all(hosts.map((h) => h.logs(undefined, lines).then((t) => tail(t, 10_000), (e: unknown) => `--- ${h.name}: ${String(e)}`)));
        return [...api, ...outer, ...inner].join("\n");
      },
      stop,
    };
    if (opts.waitReady !== false) {
      const deadline = Date.now() + 120_000;
      while ((await readyNodes(url)).length < opts.hosts.length) {
        if (Date.now() > deadline) throw new Error(`nodes not Ready after 120 s (Ready: ${(await readyNodes(url)).join(", ") || "none"})\n${await lab.logs()}`);
        await sleep(500);
      }
    }
    return lab;
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }
}

/** The last `lines` lines, each cut to 400 characters (stack traces in JSON logs are long). */
function tail(text: string, lines: number): string {
  return text.split("\n").slice(-lines).map((l) => (l.length > 400 ? `${l.slice(0, 400)}…` : l)).join("\n");
}
