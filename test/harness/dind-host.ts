/**
 * One Docker-in-Docker lab host: a container of the node image on the lab network running its
 * own dockerd, with this machine's node binary and the built repo mounted read-only at /kates.
 * Its kates daemons run as background processes inside it (deploy/dind/node-run.sh keeps
 * their PIDs and logs), so each can be killed, restarted and read separately.
 */
import "./dind-env.js";
import { GenericContainer, Wait, type StartedTestContainer } from "testcontainers";
import { REPO_ROOT } from "./apiserver.js";
import { dockerExecArgv, runCommand, type Command, type ExecResult, type RunOptions } from "./dind-exec.js";

/** Every capability except SYS_RESOURCE, which this sandbox's bounding set lacks (machine-notes: Docker-in-Docker hosts). */
export const DIND_CAPABILITIES = [
  "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
  "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
  "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
  "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_ADMIN",
  "MAC_OVERRIDE", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ",
];

/** Where the repo is mounted inside a host. */
export const HOST_REPO = "/kates";
const NODE_RUN = `${HOST_REPO}/deploy/dind/node-run.sh`;

/** How to create a host container. */
export interface DindHostSpec {
  /** Node name; also the container's hostname. */
  name: string;
  /** Docker container name (unique on this machine). */
  containerName: string;
  image: string;
  network: string;
  ip: string;
  labels: Record<string, string>;
  /** `host:port` the host's 127.0.0.1:5000 forwards to (the outer registry); none when empty. */
  registryUpstream?: string;
  /** Use --privileged instead of the capability list (machines whose bounding set allows it). */
  privileged?: boolean;
  /** Extra dockerd flags inside the host. */
  dockerdArgs?: string[];
}

// testcontainers exposes no setter for these HostConfig fields, nor for a fixed address.
class HostContainer extends GenericContainer {
  constructor(spec: DindHostSpec) {
    super(spec.image);
    // /var/lib/docker is the image's VOLUME: an anonymous volume (overlay2 works on it, not on
    // the container's own overlay), removed with the container.
    if (!spec.privileged) {
      (this.hostConfig as { CgroupnsMode?: string }).CgroupnsMode = "host";
      // What the CLI's `--security-opt systempaths=unconfined` means in the Engine API.
      this.hostConfig.MaskedPaths = [];
      this.hostConfig.ReadonlyPaths = [];
      this.hostConfig.DeviceCgroupRules = ["a *:* rwm"];
    }
    this.createOpts.NetworkingConfig = { EndpointsConfig: { [spec.network]: { IPAMConfig: { IPv4Address: spec.ip } } } };
  }
}

/** A component started with {@link DindHost.startComponent}: its argv, kept for restarts. */
interface Component {
  argv: string[];
}

/** A started lab host. */
export class DindHost {
  private readonly components = new Map<string, Component>();

  private constructor(readonly spec: DindHostSpec, private readonly container: StartedTestContainer) {}

  /** Creates and starts the container and waits for its dockerd. */
  static async start(spec: DindHostSpec): Promise<DindHost> {
    let c = new HostContainer(spec)
      .withName(spec.containerName)
      .withHostname(spec.name)
      .withLabels(spec.labels)
      .withNetworkMode(spec.network)
      .withTmpFs({ "/run": "rw,exec", "/var/run": "rw,exec" })
      .withBindMounts([
        { source: process.execPath, target: "/usr/bin/node", mode: "ro" },
        { source: REPO_ROOT, target: HOST_REPO, mode: "ro" },
        // A privileged container gets its own cgroup mounts; otherwise dockerd needs the host's, writable.
        ...(spec.privileged ? [] : [{ source: "/sys/fs/cgroup", target: "/sys/fs/cgroup", mode: "rw" as const }]),
      ])
      .withEnvironment({
        KATES_REGISTRY_UPSTREAM: spec.registryUpstream ?? "",
        KATES_DOCKERD_ARGS: ["--log-level=warn", ...(spec.dockerdArgs ?? [])].join(" "),
      })
      .withWaitStrategy(Wait.forLogMessage("kates-node: dockerd ready"))
      .withStartupTimeout(120_000);
    if (spec.privileged) {
      c = c.withPrivilegedMode();
    } else {
      c = c
        .withAddedCapabilities(...DIND_CAPABILITIES)
        .withSecurityOpt("seccomp=unconfined", "apparmor=unconfined");
    }
    return new DindHost(spec, await c.start());
  }

  get name(): string {
    return this.spec.name;
  }

  /** The host's address on the lab network (its node InternalIP). */
  get ip(): string {
    return this.spec.ip;
  }

  /** Docker container id. */
  get id(): string {
    return this.container.getId();
  }

  /** Runs a command in the host (a string goes through `sh -c`); never rejects for a non-zero exit. */
  exec(cmd: Command, options: RunOptions = {}): Promise<ExecResult> {
    return runCommand(dockerExecArgv(this.spec.containerName, cmd, options.input !== undefined), options);
  }

  /** Like {@link exec}, but rejects with the output when the command fails; resolves with stdout. */
  async mustExec(cmd: Command, options: RunOptions = {}): Promise<string> {
    const r = await this.exec(cmd, options);
    if (r.code !== 0) throw new Error(`[${this.name}] ${typeof cmd === "string" ? cmd : cmd.join(" ")} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  }

  /** Starts `argv` in the background as component `name` (log /var/log/kates/NAME.log); remembered for {@link restart}. */
  async startComponent(name: string, argv: string[]): Promise<number> {
    this.components.set(name, { argv });
    return this.launch(name);
  }

  private async launch(name: string): Promise<number> {
    const comp = this.components.get(name);
    if (!comp) throw new Error(`[${this.name}] no component ${name}`);
    return Number((await this.mustExec(["bash", NODE_RUN, "start", name, ...comp.argv])).trim());
  }

  /** Names of the components started so far. */
  componentNames(): string[] {
    return [...this.components.keys()];
  }

  /** PID (in the host's PID namespace) of a running component, or undefined. */
  async pid(name: string): Promise<number | undefined> {
    const r = await this.exec(["bash", NODE_RUN, "pid", name]);
    const pid = Number(r.stdout.trim());
    return r.code === 0 && pid > 0 ? pid : undefined;
  }

  /** Signals a component (default SIGKILL: a crash) and waits until it is gone. */
  async kill(name: string, signal: "KILL" | "TERM" | "INT" = "KILL"): Promise<void> {
    await this.mustExec(["bash", NODE_RUN, "stop", name, signal]);
  }

  /** Graceful stop (SIGTERM, SIGKILL after 10 s) and start again with the same arguments; returns the new PID. */
  async restart(name: string): Promise<number> {
    await this.kill(name, "TERM");
    return this.launch(name);
  }

  /** Starts a component that was killed, with its original arguments. */
  async start(name: string): Promise<number> {
    return this.launch(name);
  }

  /** The last `lines` lines of one component's log, or of dockerd's (warnings and errors) and every component's. */
  async logs(name?: string, lines = 200): Promise<string> {
    const files = name ? [name] : ["dockerd", ...this.components.keys()];
    const parts = await Promise.all(
      files.map(async (f) => {
        const path = `/var/log/kates/${f}.log`;
        const cmd = f === "dockerd" && !name ? `grep -v 'level=info' ${path} | tail -n ${Math.min(lines, 20)}` : `tail -n ${lines} ${path}`;
        return `--- ${this.name}/${f} ---\n${(await this.exec(cmd)).stdout}`;
      }),
    );
    return parts.join("\n");
  }

  /** Removes the container and its /var/lib/docker volume (the inner containers go with it). */
  async remove(): Promise<void> {
    await this.container.stop({ remove: true, removeVolumes: true, timeout: 5_000 });
  }
}
