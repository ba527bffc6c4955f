/** metav1.Status answers, which the apiserver passes through and kubectl prints. */
import type { ServerResponse } from "node:http";
import type { Duplex } from "node:stream";
import { STATUS_CODES } from "node:http";

/** The Status object for an HTTP error. */
export function statusBody(code: number, reason: string, message: string): string {
  return JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason, code });
}

/** Answers a plain request with a Status. */
export function sendStatus(res: ServerResponse, code: number, reason: string, message: string): void {
  const body = statusBody(code, reason, message);
  res.writeHead(code, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}

/** Answers an upgrade request (raw socket, before any handshake) with a Status and closes it. */
export function rejectUpgrade(socket: Duplex, code: number, reason: string, message: string): void {
  const body = statusBody(code, reason, message);
  socket.end(
    `HTTP/1.1 ${code} ${STATUS_CODES[code] ?? "Error"}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
