/**
 * An exec session over one WebSocket speaking v5 (or v4).channel.k8s.io, bridged to the
 * runtime's Exec stream: stdin/resize/close from kubectl go to the runtime; stdout/stderr come
 * back on channels 1 and 2; the exit code becomes the Status on channel 3, then a normal close.
 */
import type { WebSocket, RawData } from "ws";
import type { Logger } from "@kates/component-base";
import { Channel, decodeChannel, encodeChannel, errorStatus, exitStatus, parseResize } from "./channel.js";
import type { ExecRequest, StreamingRuntime } from "./types.js";

/** What kubectl asked for in the exec query. */
export interface ExecParams {
  containerId: string;
  cmd: string[];
  tty: boolean;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** Runs one exec session until the command exits or the client goes away. */
export function runExecSession(ws: WebSocket, runtime: StreamingRuntime, params: ExecParams, log: Logger): void {
  const exec = runtime.exec();
  let finished = false;
  const finish = (status: Record<string, unknown>) => {
    if (finished) return;
    finished = true;
    if (ws.readyState === ws.OPEN) {
      ws.send(encodeChannel(Channel.Error, JSON.stringify(status)));
      ws.close(1000);
    }
  };
  const start: ExecRequest = { start: { ...params } };
  exec.on("stdout", (d) => { if (ws.readyState === ws.OPEN) ws.send(encodeChannel(Channel.Stdout, d)); });
  exec.on("stderr", (d) => { if (ws.readyState === ws.OPEN) ws.send(encodeChannel(params.tty ? Channel.Stdout : Channel.Stderr, d)); });
  exec.on("exit", (code) => finish(exitStatus(code)));
  exec.on("error", (err) => {
    log.warn({ err, containerId: params.containerId }, "exec failed");
    finish(errorStatus(`error executing command in container: ${err.message}`));
  });
  exec.write(start);

  ws.on("message", (raw) => {
    const msg = decodeChannel(toBuffer(raw));
    if (!msg || finished) return;
    switch (msg.channel) {
      case Channel.Stdin:
        if (params.stdin && msg.data.length) exec.write({ stdin: msg.data });
        break;
      case Channel.Resize: {
        const size = parseResize(msg.data);
        if (size) exec.write({ resize: size });
        break;
      }
      case Channel.Close:
        if (msg.data[0] === Channel.Stdin) exec.write({ closeStdin: true });
        break;
    }
  });
  ws.on("close", () => {
    if (!finished) {
      finished = true;
      exec.cancel();
    }
  });
  ws.on("error", (err) => log.debug({ err }, "exec websocket error"));
}
