/**
 * A port-forward session: SPDY/3.1 frames carried in binary WebSocket messages
 * (SPDY/3.1+portforward.k8s.io). kubectl opens a pair of streams per local connection, an
 * "error" and a "data" stream sharing a requestid; we reply to each SYN_STREAM, and once a pair
 * is complete bridge its data stream to runtime.portForward(sandbox, port). A failure is
 * reported as text on the error stream, which kubectl prints.
 */
import type { WebSocket, RawData } from "ws";
import type { Logger } from "@kates/component-base";
import {
  FLAG_FIN, FrameReader, FrameType, HeaderDecoder, HeaderEncoder, RstStatus, encodeData, encodePing,
  encodeRstStream, encodeSynReply, parseSynStream, type SpdyFrame,
} from "./spdy.js";
import type { PortForwardStream, StreamingRuntime } from "./types.js";

const MAX_DATA = 64 * 1024;

interface Pair {
  requestId: string;
  port: number;
  errorId?: number;
  dataId?: number;
  conn?: PortForwardStream;
  /** Client bytes that arrived before the runtime connection existed. */
  pending: Buffer[];
  clientFin: boolean;
  done: boolean;
}

function toBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** Runs one port-forward session on an upgraded WebSocket. */
export function runPortForwardSession(ws: WebSocket, runtime: StreamingRuntime, sandboxId: string, podName: string, log: Logger): void {
  const reader = new FrameReader();
  const decoder = new HeaderDecoder();
  const encoder = new HeaderEncoder();
  const pairs = new Map<string, Pair>();
  const byStream = new Map<number, Pair>();
  // Header blocks must be inflated in order, so every frame goes through one queue.
  let queue = Promise.resolve();
  let closed = false;

  const send = (frame: Buffer) => { if (!closed && ws.readyState === ws.OPEN) ws.send(frame); };
  const sendData = (id: number, data: Buffer) => {
    for (let off = 0; off < data.length; off += MAX_DATA) send(encodeData(id, data.subarray(off, off + MAX_DATA)));
  };
  const fin = (id: number | undefined) => { if (id !== undefined) send(encodeData(id, Buffer.alloc(0), FLAG_FIN)); };

  const finishPair = (p: Pair, error?: string) => {
    if (p.done) return;
    p.done = true;
    if (error && p.errorId !== undefined) send(encodeData(p.errorId, Buffer.from(error)));
    fin(p.dataId);
    fin(p.errorId);
  };

  const startPair = (p: Pair) => {
    if (p.conn || p.errorId === undefined || p.dataId === undefined) return;
    const conn = runtime.portForward(sandboxId, p.port);
    p.conn = conn;
    conn.on("data", (d) => { if (!p.done) sendData(p.dataId!, d); });
    conn.on("end", () => finishPair(p));
    conn.on("error", (err) => {
      log.debug({ err, port: p.port }, "port-forward connection failed");
      finishPair(p, `error forwarding port ${p.port} to pod ${podName}, sandbox ${sandboxId}: ${err.message}`);
    });
    for (const b of p.pending) conn.write(b);
    p.pending = [];
    if (p.clientFin) conn.end();
  };

  const forget = (p: Pair) => {
    p.conn?.cancel();
    p.done = true;
    pairs.delete(p.requestId);
    if (p.errorId !== undefined) byStream.delete(p.errorId);
    if (p.dataId !== undefined) byStream.delete(p.dataId);
  };

  const handle = async (f: SpdyFrame) => {
    if (!f.control) {
      const p = byStream.get(f.streamId);
      if (!p) return void send(encodeRstStream(f.streamId, RstStatus.InvalidStream));
      if (f.streamId === p.dataId) {
        if (f.data.length) {
          if (p.conn) p.conn.write(f.data);
          else p.pending.push(f.data);
        }
        if (f.flags & FLAG_FIN) {
          p.clientFin = true;
          p.conn?.end();
        }
      }
      return; // the client only half-closes the error stream
    }
    switch (f.type) {
      case FrameType.SynStream: {
        const { streamId, headerBlock } = parseSynStream(f.body);
        const h = await decoder.decode(headerBlock);
        send(encodeSynReply(streamId, encoder.encode({})));
        const requestId = h.requestid ?? String(streamId);
        const port = Number(h.port);
        let p = pairs.get(requestId);
        if (!p) {
          p = { requestId, port, pending: [], clientFin: false, done: false };
          pairs.set(requestId, p);
        }
        byStream.set(streamId, p);
        if (h.streamtype === "error") p.errorId = streamId;
        else if (h.streamtype === "data") p.dataId = streamId;
        else return void send(encodeRstStream(streamId, RstStatus.ProtocolError));
        if (!Number.isInteger(port) || port <= 0 || port > 65535) {
          if (p.errorId !== undefined && p.dataId !== undefined) finishPair(p, `invalid port: ${h.port}`);
          return;
        }
        startPair(p);
        return;
      }
      case FrameType.RstStream: {
        const p = byStream.get(f.body.readUInt32BE(0) & 0x7fffffff);
        if (p) forget(p);
        return;
      }
      case FrameType.Ping:
        send(encodePing(f.body.readUInt32BE(0)));
        return;
      case FrameType.GoAway:
        ws.close(1000);
        return;
      default:
        return; // SETTINGS, WINDOW_UPDATE, HEADERS: nothing to do for port-forward
    }
  };

  ws.on("message", (raw) => {
    let frames: SpdyFrame[];
    try {
      frames = reader.push(toBuffer(raw));
    } catch (err) {
      log.warn({ err }, "bad SPDY frame from port-forward client");
      ws.close(1002);
      return;
    }
    for (const f of frames) {
      queue = queue.then(() => handle(f)).catch((err: unknown) => {
        log.warn({ err }, "port-forward frame failed");
        ws.close(1011);
      });
    }
  });
  ws.on("close", () => {
    closed = true;
    for (const p of [...pairs.values()]) forget(p);
    decoder.close();
  });
  ws.on("error", (err) => log.debug({ err }, "port-forward websocket error"));
}
