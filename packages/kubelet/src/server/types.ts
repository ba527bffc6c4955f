/**
 * The small slice of the runtime shim the kubelet's streaming server needs, shaped after
 * proto/runtime.proto (Exec, PortForward and ContainerLogs streams), so the kubelet can hand in
 * its gRPC client (or a thin adapter over it) and tests can hand in a fake.
 */
import type { Logger } from "@kates/component-base";

/** One piece of a container's log as the shim streams it (proto LogChunk). */
export interface LogChunk {
  data: Buffer;
  stream?: string;
}

/** proto ContainerLogsRequest, with camelCase names. */
export interface ContainerLogsRequest {
  containerId: string;
  follow: boolean;
  /** Negative: all lines. */
  tailLines: number;
  /** 0: no limit. */
  sinceSeconds: number;
  timestamps: boolean;
  /** 0: no limit. */
  limitBytes: number;
}

/** One client-to-shim exec message (proto ExecRequest oneof). */
export type ExecRequest =
  | { start: { containerId: string; cmd: string[]; tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean } }
  | { stdin: Buffer }
  | { resize: { width: number; height: number } }
  | { closeStdin: true };

/** A live exec: write requests, receive stdout/stderr and finally the exit code. */
export interface ExecStream {
  write(req: ExecRequest): void;
  on(event: "stdout" | "stderr", listener: (data: Buffer) => void): this;
  /** Emitted once, last. */
  on(event: "exit", listener: (code: number) => void): this;
  /** The stream failed (runtime error); no exit code will follow. */
  on(event: "error", listener: (err: Error) => void): this;
  /** Abandon the exec (client went away). */
  cancel(): void;
}

/** One TCP connection into a sandbox's network namespace. */
export interface PortForwardStream {
  write(data: Buffer): void;
  /** Half-close: no more data from the client side. */
  end(): void;
  on(event: "data", listener: (data: Buffer) => void): this;
  /** The far side closed. */
  on(event: "end", listener: () => void): this;
  on(event: "error", listener: (err: Error) => void): this;
  cancel(): void;
}

/** What the streaming server calls on the runtime shim. */
export interface StreamingRuntime {
  /** Stream a container's log; the iterable ends when the log ends (or, when not following, at its current end). */
  containerLogs(req: ContainerLogsRequest, signal: AbortSignal): AsyncIterable<LogChunk>;
  /** Start an interactive exec; the caller's first write must be `{start}`. */
  exec(): ExecStream;
  /** Connect to `port` inside the sandbox's network namespace. */
  portForward(podSandboxId: string, port: number): PortForwardStream;
}

/** What the server needs to know about a pod the kubelet runs. */
export interface ResolvedPod {
  sandboxId?: string;
  /** By container name: the current container's runtime id and, after a restart, the previous one's. */
  containers: Map<string, { id: string; previousId?: string }>;
  defaultContainer: string;
}

/** Options of startKubeletServer. */
export interface KubeletServerOptions {
  host: string;
  port: number;
  runtime: StreamingRuntime;
  resolvePod(namespace: string, name: string): ResolvedPod | undefined;
  log: Logger;
}

/** A running kubelet server. */
export interface KubeletServer {
  port: number;
  close(): Promise<void>;
}
