// A StreamingRuntime without containers, for exercising the apiserver proxy and the kubelet
// server with the real kubectl: logs are fixed lines, exec runs a few built-in "commands",
// and port-forward connects to real TCP servers on 127.0.0.1 chosen per sandbox port.
import { EventEmitter } from "node:events";
import net from "node:net";
import type {
  ContainerLogsRequest, ExecRequest, ExecStream, LogChunk, PortForwardStream, StreamingRuntime,
} from "../../../packages/kubelet/src/server/index.js";

/** Log lines per container id; `follow` adds `followLines`, one every 100 ms, then ends. */
export interface FakeLogs {
  lines: Record<string, string[]>;
  followLines: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class FakeExec extends EventEmitter implements ExecStream {
  private cmd: string[] = [];
  private stdinBuf: Buffer[] = [];
  private cancelled = false;

  write(req: ExecRequest): void {
    if ("start" in req) {
      this.cmd = req.start.cmd;
      setImmediate(() => this.run());
    } else if ("stdin" in req) {
      if (this.cmd[0] === "cat") this.emit("stdout", req.stdin);
      else this.stdinBuf.push(req.stdin);
    } else if ("resize" in req) {
      // "size" reports the first terminal size kubectl sends (exec -t), then exits.
      if (this.cmd[0] === "size") {
        this.emit("stdout", Buffer.from(`size ${req.resize.width}x${req.resize.height}\n`));
        this.exit(0);
      }
    } else if ("closeStdin" in req) {
      if (this.cmd[0] === "cat") this.exit(0);
    }
  }

  cancel(): void {
    this.cancelled = true;
  }

  private exit(code: number) {
    if (!this.cancelled) this.emit("exit", code);
  }

  private run() {
    const [cmd, ...args] = this.cmd;
    if (cmd === "echo") {
      this.emit("stdout", Buffer.from(args.join(" ") + "\n"));
      this.exit(0);
    } else if (cmd === "sh" && args[0] === "-c" && /^exit \d+$/.test(args[1] ?? "")) {
      this.exit(Number(args[1]!.slice(5)));
    } else if (cmd === "warn") {
      this.emit("stderr", Buffer.from("oops\n"));
      this.exit(0);
    } else if (cmd !== "cat" && cmd !== "size") {
      this.emit("error", new Error(`executable file not found in $PATH: ${cmd}`));
    }
  }
}

class TcpForward extends EventEmitter implements PortForwardStream {
  constructor(private readonly socket: net.Socket) {
    super();
    socket.on("data", (d) => this.emit("data", d));
    socket.on("end", () => this.emit("end"));
    socket.on("error", (err) => this.emit("error", err));
  }
  write(data: Buffer): void { this.socket.write(data); }
  end(): void { this.socket.end(); }
  cancel(): void { this.socket.destroy(); }
}

/** Builds the fake; `ports` maps a sandbox port to a real 127.0.0.1 port. */
export function fakeRuntime(logs: FakeLogs, ports: Map<number, number>): StreamingRuntime & { portForwards: { sandbox: string; port: number }[]; abortedLogs: number } {
  const portForwards: { sandbox: string; port: number }[] = [];
  const rt = {
    portForwards,
    abortedLogs: 0,
    async *containerLogs(req: ContainerLogsRequest, signal: AbortSignal): AsyncIterable<LogChunk> {
      let lines = logs.lines[req.containerId] ?? [];
      if (req.tailLines >= 0) lines = lines.slice(Math.max(0, lines.length - req.tailLines));
      const fmt = (l: string) => Buffer.from((req.timestamps ? "2024-01-01T00:00:00.000000000Z " : "") + l + "\n");
      for (const l of lines) yield { data: fmt(l), stream: "stdout" };
      if (!req.follow) return;
      for (const l of logs.followLines) {
        await sleep(100);
        if (signal.aborted) {
          rt.abortedLogs++;
          return;
        }
        yield { data: fmt(l), stream: "stdout" };
      }
    },
    exec: () => new FakeExec(),
    portForward(sandbox: string, port: number): PortForwardStream {
      portForwards.push({ sandbox, port });
      const real = ports.get(port);
      // An unmapped port dials a port nothing listens on: connection refused, as in a pod.
      return new TcpForward(net.connect({ host: "127.0.0.1", port: real ?? 1 }));
    },
  };
  return rt;
}
