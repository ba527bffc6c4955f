/**
 * The streaming calls: ExecSync, interactive Exec, PortForward and ContainerLogs. Exec uses
 * Docker's hijacked exec stream (raw for a tty, multiplexed otherwise); port-forward dials
 * the sandbox's bridge address from the host, which reaches the pod's network namespace.
 */
import net from "node:net";
import { status as Status, type ServerDuplexStream, type ServerWritableStream } from "@grpc/grpc-js";
import type { Engine } from "./docker/index.js";
import { containerIP } from "./convert.js";
import { Demuxer, type StreamName } from "./demux.js";
import { RuntimeError, isDockerNotFound, notFound, toGrpcError } from "./errors.js";

export interface ExecStartMsg { container_id: string; cmd: string[]; tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }
export interface ExecRequestMsg { start?: ExecStartMsg | null; stdin?: Buffer | null; resize?: { width: number; height: number } | null; close_stdin?: boolean; msg?: string }
export interface ExecResponseMsg { stdout?: Buffer; stderr?: Buffer; exit_code?: number }
export interface PortForwardRequestMsg { start?: { pod_sandbox_id: string; port: number } | null; data?: Buffer | null; msg?: string }
export interface LogsRequestMsg { container_id: string; follow: boolean; tail_lines: number; since_seconds: number; timestamps: boolean; limit_bytes: number }

export class Streaming {
  constructor(private readonly engine: Engine) {}

  async execSync(containerId: string, cmd: string[], timeoutSeconds: number): Promise<{ stdout: Buffer; stderr: Buffer; exit_code: number }> {
    if (!cmd?.length) throw new RuntimeError(Status.INVALID_ARGUMENT, "exec needs a command");
    const session = await this.engine.exec(containerId, cmd, { tty: false, stdin: false, stdout: true, stderr: true });
    const out: Record<StreamName, Buffer[]> = { stdout: [], stderr: [] };
    const demux = new Demuxer();
    await new Promise<void>((resolve, reject) => {
      const timer = timeoutSeconds > 0
        ? setTimeout(() => {
          session.stream.destroy();
          reject(new RuntimeError(Status.DEADLINE_EXCEEDED, `command timed out after ${timeoutSeconds}s`));
        }, timeoutSeconds * 1000)
        : undefined;
      session.stream.on("data", (chunk: Buffer) => {
        for (const f of demux.push(chunk)) out[f.stream].push(f.data);
      });
      session.stream.on("end", () => { clearTimeout(timer); resolve(); });
      session.stream.on("close", () => { clearTimeout(timer); resolve(); });
      session.stream.on("error", (err) => { clearTimeout(timer); reject(err); });
    });
    return { stdout: Buffer.concat(out.stdout), stderr: Buffer.concat(out.stderr), exit_code: await session.exitCode() };
  }

  /** Interactive exec: the first message starts it, later ones carry stdin, resizes and close. */
  exec(call: ServerDuplexStream<ExecRequestMsg, ExecResponseMsg>): void {
    let session: Awaited<ReturnType<Engine["exec"]>> | undefined;
    const pending: ExecRequestMsg[] = [];
    const fail = (err: unknown) => {
      session?.stream.destroy();
      call.emit("error", toGrpcError(err, "exec"));
    };
    const apply = (m: ExecRequestMsg) => {
      if (!session) return void pending.push(m);
      if (m.stdin?.length) session.stream.write(m.stdin);
      else if (m.resize) void session.resize(m.resize.width, m.resize.height).catch(() => undefined);
      else if (m.close_stdin) session.stream.end();
    };
    call.on("data", (m: ExecRequestMsg) => {
      if (m.start && !session && !pending.length) {
        const s = m.start;
        this.engine.exec(s.container_id, s.cmd, { tty: s.tty, stdin: s.stdin, stdout: s.stdout || !s.tty, stderr: s.stderr && !s.tty })
          .then((sess) => {
            session = sess;
            const demux = s.tty ? undefined : new Demuxer();
            sess.stream.on("data", (chunk: Buffer) => {
              if (!demux) return void call.write({ stdout: chunk });
              for (const f of demux.push(chunk)) call.write(f.stream === "stderr" ? { stderr: f.data } : { stdout: f.data });
            });
            const finish = () => {
              sess.stream.removeAllListeners("close");
              sess.stream.removeAllListeners("end");
              sess.exitCode().then((code) => {
                call.write({ exit_code: code });
                call.end();
              }, fail);
            };
            sess.stream.once("end", finish);
            sess.stream.once("close", finish);
            sess.stream.on("error", fail);
            for (const p of pending.splice(0)) apply(p);
          }, fail);
        return;
      }
      apply(m);
    });
    call.on("cancelled", () => session?.stream.destroy());
    call.on("end", () => {
      // The client half-closed: treat as end of stdin when the exec reads stdin.
      if (session && !session.stream.writableEnded) session.stream.end();
    });
  }

  /** One TCP connection to a port in the sandbox's network namespace. */
  portForward(call: ServerDuplexStream<PortForwardRequestMsg, { data: Buffer }>): void {
    let socket: net.Socket | undefined;
    const pending: Buffer[] = [];
    let clientEnded = false;
    call.on("data", (m: PortForwardRequestMsg) => {
      if (m.start && !socket) {
        const { pod_sandbox_id: id, port } = m.start;
        this.engine.inspect(id).then((info) => {
          const ip = info.HostConfig.NetworkMode === "host" ? "127.0.0.1" : containerIP(info);
          if (!ip) throw new RuntimeError(Status.FAILED_PRECONDITION, `pod sandbox ${id} has no IP address (not running?)`);
          socket = net.connect({ host: ip, port });
          socket.on("data", (data: Buffer) => call.write({ data }));
          socket.on("end", () => call.end());
          socket.on("error", (err) => call.emit("error", toGrpcError(new RuntimeError(Status.UNAVAILABLE, `connecting to ${ip}:${port}: ${err.message}`))));
          for (const p of pending.splice(0)) socket.write(p);
          if (clientEnded) socket.end();
        }).catch((err) => call.emit("error", toGrpcError(isDockerNotFound(err) ? notFound(`pod sandbox ${id} not found`) : err, "port-forward")));
        return;
      }
      if (m.data?.length) {
        if (socket) socket.write(m.data); // a connecting socket buffers
        else pending.push(m.data);
      }
    });
    call.on("end", () => {
      clientEnded = true;
      socket?.end();
    });
    call.on("cancelled", () => socket?.destroy());
  }

  async logs(call: ServerWritableStream<LogsRequestMsg, { data: Buffer; stream: string }>): Promise<void> {
    const r = call.request;
    let info;
    try {
      info = await this.engine.inspect(r.container_id);
    } catch (err) {
      throw isDockerNotFound(err) ? notFound(`container ${r.container_id} not found`) : err;
    }
    const stream = await this.engine.logs(r.container_id, {
      follow: r.follow,
      timestamps: r.timestamps,
      // The contract says negative means all; proto3 cannot tell an unset 0 from a real one,
      // so 0 means all too (a deliberate `--tail=0` shows everything rather than nothing).
      ...(r.tail_lines > 0 && { tail: r.tail_lines }),
      ...(r.since_seconds > 0 && { since: Math.floor(Date.now() / 1000) - r.since_seconds }),
    });
    const demux = info.Config.Tty ? undefined : new Demuxer();
    let left = r.limit_bytes > 0 ? r.limit_bytes : Infinity;
    await new Promise<void>((resolve, reject) => {
      call.on("cancelled", () => {
        stream.destroy();
        resolve();
      });
      stream.on("data", (chunk: Buffer) => {
        const pieces = demux ? demux.push(chunk) : [{ stream: "stdout" as const, data: chunk }];
        for (const p of pieces) {
          if (left <= 0) break;
          const data = p.data.length > left ? p.data.subarray(0, left) : p.data;
          left -= data.length;
          call.write({ data, stream: p.stream });
        }
        if (left <= 0) {
          stream.destroy();
          resolve();
        }
      });
      stream.on("end", resolve);
      stream.on("close", resolve);
      stream.on("error", reject);
    });
    call.end();
  }
}
