/**
 * A throw-away "node" for kube-proxy tests and bench:net, built from network namespaces so the
 * host's own iptables rules are never touched:
 *
 *   host (test process, apiserver on 127.0.0.1)
 *     | veth: host side 10.213.N.1/30  <->  node side 10.213.N.2/30 (eth0, default route)
 *   node netns: kube-proxy runs here; ip_forward on; bridge kbr0 10.244.0.1/24
 *     | veth per pod, attached to kbr0
 *   pod netns i: eth0 10.244.0.(10+i)/24, default via 10.244.0.1
 *   client netns i (optional, addClient): 172.31.255.(4i+2)/30 via the node, an "outside" host
 *   pod-client netns i (optional, addPodClient): 10.244.1.(4i+2)/30 via the node, a pod elsewhere
 *
 * The apiserver stays on loopback: a small TCP relay on 10.213.N.1 carries the node's API traffic.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OutputTail, terminate, trackChild, trackDir } from "../../harness/processes.js";

const sh = (args: string[]) => execFileSync(args[0]!, args.slice(1), { stdio: ["ignore", "pipe", "pipe"] }).toString();
const trySh = (args: string[]) => {
  try {
    return sh(args);
  } catch {
    return undefined;
  }
};

/** A process started inside one of the lab's namespaces. */
export interface LabProcess {
  child: ChildProcess;
  output: OutputTail;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface PodNs {
  ns: string;
  ip: string;
}

export class NetnsLab {
  readonly id = Math.random().toString(36).slice(2, 8);
  readonly node = `kates-kp-${this.id}`;
  readonly hostIP: string;
  readonly nodeIP: string;
  readonly pods: PodNs[] = [];
  readonly clients: string[] = [];
  private readonly hostVeth = `kph${this.id}`;
  private relay?: net.Server;
  private readonly procs = new Set<LabProcess>();
  private readonly dir = mkdtempSync(join(tmpdir(), "kates-kp-"));

  constructor() {
    const n = 1 + Math.floor(Math.random() * 250);
    this.hostIP = `10.213.${n}.1`;
    this.nodeIP = `10.213.${n}.2`;
    trackDir(this.dir);
  }

  /** Creates the node namespace, its uplink and the pod bridge. */
  create(): this {
    const N = this.node;
    sh(["ip", "netns", "add", N]);
    const inNode = (...a: string[]) => sh(["ip", "netns", "exec", N, ...a]);
    sh(["ip", "link", "add", this.hostVeth, "type", "veth", "peer", "name", "eth0", "netns", N]);
    sh(["ip", "addr", "add", `${this.hostIP}/30`, "dev", this.hostVeth]);
    sh(["ip", "link", "set", this.hostVeth, "up"]);
    inNode("ip", "link", "set", "lo", "up");
    inNode("ip", "addr", "add", `${this.nodeIP}/30`, "dev", "eth0");
    inNode("ip", "link", "set", "eth0", "up");
    inNode("ip", "route", "add", "default", "via", this.hostIP);
    inNode("sysctl", "-qw", "net.ipv4.ip_forward=1");
    inNode("ip", "link", "add", "kbr0", "type", "bridge");
    inNode("ip", "addr", "add", "10.244.0.1/24", "dev", "kbr0");
    inNode("ip", "link", "set", "kbr0", "up");
    return this;
  }

  /** Adds a pod namespace on the bridge; returns its name and IP. */
  addPod(): PodNs {
    const i = this.pods.length;
    const ns = `${this.node}-p${i}`;
    const ip = `10.244.0.${10 + i}`;
    sh(["ip", "netns", "add", ns]);
    sh(["ip", "netns", "exec", this.node, "ip", "link", "add", `vp${i}`, "type", "veth", "peer", "name", "eth0", "netns", ns]);
    sh(["ip", "netns", "exec", this.node, "ip", "link", "set", `vp${i}`, "master", "kbr0", "up"]);
    for (const a of [["link", "set", "lo", "up"], ["addr", "add", `${ip}/24`, "dev", "eth0"], ["link", "set", "eth0", "up"], ["route", "add", "default", "via", "10.244.0.1"]]) {
      sh(["ip", "netns", "exec", ns, "ip", ...a]);
    }
    const pod = { ns, ip };
    this.pods.push(pod);
    return pod;
  }

  /**
   * Client `i` inside the cluster CIDR but not on the node's bridge, like a pod on another node:
   * 10.244.1.(4i+2)/30 routed through the node's 10.244.1.(4i+1). Its ClusterIP traffic is not
   * masqueraded, and its direct pod-IP traffic is routed by the node just like the Service traffic.
   */
  addPodClient(i = 0): PodNs {
    return this.addRoutedClient(`${this.node}-pc${i}`, `vpc${i}`, "10.244.1", i);
  }

  /** Client `i` outside the cluster: 172.31.255.(4i+2)/30 via the node's 172.31.255.(4i+1). */
  addClient(i = 0): string {
    return this.addRoutedClient(`${this.node}-c${i}`, `vc${i}`, "172.31.255", i).ns;
  }

  /** The address of client `i` (addClient). */
  clientIP(i = 0): string {
    return `172.31.255.${4 * i + 2}`;
  }

  private addRoutedClient(ns: string, veth: string, prefix: string, i: number): PodNs {
    const [gw, ip] = [`${prefix}.${4 * i + 1}`, `${prefix}.${4 * i + 2}`];
    sh(["ip", "netns", "add", ns]);
    sh(["ip", "netns", "exec", this.node, "ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns]);
    sh(["ip", "netns", "exec", this.node, "ip", "addr", "add", `${gw}/30`, "dev", veth]);
    sh(["ip", "netns", "exec", this.node, "ip", "link", "set", veth, "up"]);
    for (const a of [["link", "set", "lo", "up"], ["addr", "add", `${ip}/30`, "dev", "eth0"], ["link", "set", "eth0", "up"], ["route", "add", "default", "via", gw]]) {
      sh(["ip", "netns", "exec", ns, "ip", ...a]);
    }
    this.clients.push(ns);
    return { ns, ip };
  }

  /** Relays host:port on the host side of the uplink to 127.0.0.1:port (the apiserver); returns the node's URL for it. */
  async relayApi(apiPort: number): Promise<string> {
    this.relay = net.createServer((c) => {
      const up = net.connect(apiPort, "127.0.0.1");
      c.pipe(up).pipe(c);
      c.on("error", () => up.destroy());
      up.on("error", () => c.destroy());
    });
    await new Promise<void>((resolve) => this.relay!.listen(0, this.hostIP, resolve));
    return `http://${this.hostIP}:${(this.relay.address() as net.AddressInfo).port}`;
  }

  /** Starts `cmd` inside namespace `ns`. */
  spawnIn(ns: string, cmd: string[], env: Record<string, string> = {}): LabProcess {
    const child = spawn("ip", ["netns", "exec", ns, ...cmd], { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
    trackChild(child);
    const output = new OutputTail(2_000_000);
    child.stdout!.on("data", (c: Buffer) => output.push(c));
    child.stderr!.on("data", (c: Buffer) => output.push(c));
    const p: LabProcess = { child, output, stop: (signal = "SIGTERM") => terminate(child, 10_000, signal).then(() => void this.procs.delete(p)) };
    this.procs.add(p);
    return p;
  }

  /** A busybox httpd in a pod answering GET / with `body`. */
  httpd(pod: PodNs, port: number, body: string): LabProcess {
    const www = join(this.dir, `www-${pod.ns}-${port}`);
    rmSync(www, { recursive: true, force: true });
    execFileSync("mkdir", ["-p", www]);
    writeFileSync(join(www, "index.html"), body);
    return this.spawnIn(pod.ns, ["busybox", "httpd", "-f", "-p", String(port), "-h", www]);
  }

  /** A UDP "pod": answers every datagram on `port` with `reply`, back to the sender's address and port. */
  udpEcho(pod: PodNs, port: number, reply: string): LabProcess {
    const script = `const s = require("node:dgram").createSocket("udp4"); s.on("message", (_m, r) => s.send(${JSON.stringify(reply)}, r.port, r.address)); s.bind(${port});`;
    return this.spawnIn(pod.ns, [process.execPath, "-e", script]);
  }

  /** Runs a command in the node namespace; resolves with exit code and output. */
  execInNode(cmd: string[], timeoutMs = 10_000): Promise<{ code: number; out: string; ms: number }> {
    return new Promise((resolve) => {
      const t0 = performance.now();
      const child = spawn("ip", ["netns", "exec", this.node, ...cmd], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (c: Buffer) => (out += c.toString()));
      child.stderr.on("data", (c: Buffer) => (out += c.toString()));
      const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
      child.once("close", (code) => {
        clearTimeout(timer);
        resolve({ code: code ?? -1, out, ms: performance.now() - t0 });
      });
    });
  }

  /** HTTP GET from inside the node namespace with curl (Debian's static busybox wget crashes here). */
  get(url: string): Promise<{ code: number; out: string; ms: number }> {
    return this.execInNode(["curl", "-sS", "--max-time", "3", url]);
  }

  /** A sysctl's value in the node namespace. */
  sysctl(key: string): string {
    return sh(["ip", "netns", "exec", this.node, "sysctl", "-n", key]).trim();
  }

  /** `iptables-save` of the node namespace. */
  iptablesSave(): string {
    return sh(["ip", "netns", "exec", this.node, "iptables-save"]);
  }

  /** Stops every process, removes the namespaces, the uplink and the relay. */
  async destroy(): Promise<void> {
    // SIGTERM first (SIGKILL after 10 s): a process that forks must get to stop its children.
    await Promise.all([...this.procs].map((p) => p.stop("SIGTERM")));
    this.relay?.close();
    for (const ns of [...this.pods.map((p) => p.ns), ...this.clients]) trySh(["ip", "netns", "del", ns]);
    trySh(["ip", "link", "del", this.hostVeth]);
    trySh(["ip", "netns", "del", this.node]);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** curl in namespace `ns`: exit code 0 ok, 7 refused/unreachable, 28 timed out. */
export function curlIn(ns: string, url: string, maxSeconds = 2): Promise<{ code: number; out: string; ms: number }> {
  return new Promise((done) => {
    const t0 = performance.now();
    const child = spawn("ip", ["netns", "exec", ns, "curl", "-sS", "--max-time", String(maxSeconds), url], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    child.once("close", (code) => done({ code: code ?? -1, out, ms: performance.now() - t0 }));
  });
}
