/** Adapts the gRPC RuntimeClient to the streaming server's StreamingRuntime (logs, exec, port-forward). */
import { EventEmitter } from "node:events";
import type { RuntimeClient } from "./cri/runtime-client.js";
import type { ExecResponse } from "@kates/cri-api";
import type { ContainerLogsRequest, ExecRequest, ExecStream, LogChunk, PortForwardStream, StreamingRuntime } from "./server/types.js";

class GrpcExecStream extends EventEmitter implements ExecStream {
  constructor(private readonly call: ReturnType<RuntimeClient["exec"]>) {
    super();
    let exited = false;
    call.on("data", (r: ExecResponse) => {
      if (r.msg === "stdout" || (r.msg === undefined && r.stdout?.length)) this.emit("stdout", Buffer.from(r.stdout ?? []));
      else if (r.msg === "stderr" || (r.msg === undefined && r.stderr?.length)) this.emit("stderr", Buffer.from(r.stderr ?? []));
      else if (r.msg === "exit_code" && !exited) {
        exited = true;
        this.emit("exit", r.exit_code ?? 0);
      }
    });
    call.on("error", (err: Error & { code?: number }) => {
      if (!exited && err.code !== 1) this.emit("error", err);
    });
    call.on("end", () => {
      if (!exited) {
        exited = true;
        this.emit("exit", 0);
      }
    });
  }

  write(req: ExecRequest): void {
    if ("start" in req) {
      const s = req.start;
      this.call.write({ start: { container_id: s.containerId, cmd: s.cmd, tty: s.tty, stdin: s.stdin, stdout: s.stdout, stderr: s.stderr } });
    } else if ("stdin" in req) this.call.write({ stdin: req.stdin });
    else if ("resize" in req) this.call.write({ resize: req.resize });
    else if ("closeStdin" in req) this.call.write({ close_stdin: true });
  }

  cancel(): void {
    this.call.cancel();
  }
}

class GrpcPortForwardStream extends EventEmitter implements PortForwardStream {
  constructor(private readonly call: ReturnType<RuntimeClient["portForward"]>, sandboxId: string, port: number) {
    super();
    call.write({ start: { pod_sandbox_id: sandboxId, port } });
    call.on("data", (r: { data: Buffer }) => this.emit("data", Buffer.from(r.data ?? [])));
    call.on("end", () => this.emit("end"));
    call.on("error", (err: Error & { code?: number }) => (err.code === 1 ? this.emit("end") : this.emit("error", err)));
  }

  write(data: Buffer): void {
    this.call.write({ data });
  }

  end(): void {
    this.call.end();
  }

  cancel(): void {
    this.call.cancel();
  }
}

/** The StreamingRuntime the kubelet server uses, over the shim's gRPC streams. */
export function streamingRuntime(client: RuntimeClient): StreamingRuntime {
  return {
    async *containerLogs(req: ContainerLogsRequest, signal: AbortSignal): AsyncIterable<LogChunk> {
      const call = client.containerLogs({ container_id: req.containerId, follow: req.follow, tail_lines: req.tailLines, since_seconds: req.sinceSeconds, timestamps: req.timestamps, limit_bytes: req.limitBytes });
      const cancel = () => call.cancel();
      signal.addEventListener("abort", cancel, { once: true });
      try {
        for await (const chunk of call as AsyncIterable<{ data: Buffer; stream: string }>) yield { data: Buffer.from(chunk.data ?? []), stream: chunk.stream };
      } catch (err) {
        if ((err as { code?: number }).code !== 1) throw err;
      } finally {
        signal.removeEventListener("abort", cancel);
      }
    },
    exec: () => new GrpcExecStream(client.exec()),
    portForward: (sandboxId, port) => new GrpcPortForwardStream(client.portForward(), sandboxId, port),
  };
}
