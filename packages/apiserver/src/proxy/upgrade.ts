/**
 * pods/exec and pods/portforward: kubectl asks for an HTTP upgrade (WebSocket, or SPDY as a
 * fallback) which we pass, rewritten to the kubelet's /exec or /portForward path, over a fresh
 * TCP connection to the pod's kubelet, then pipe both sockets untouched. The kubelet speaks
 * kubectl's protocols itself, so nothing here parses frames (kube-apiserver's
 * UpgradeAwareHandler does the same). Each upgrade passes the shared request filters and is
 * logged and counted once, when the kubelet's answer (101 or an error) arrives or when we
 * refuse it: its duration is the time until switched, as the session itself can last hours and
 * a line written only at close would be late, or lost if the process dies.
 */
import net from "node:net";
import { STATUS_CODES, type IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { Logger } from "pino";
import { ApiError, BadRequestError, ServiceUnavailableError } from "@kates/api";
import {
  authenticateRequest, authorizeRequest, observeRequest, requestAttributes, secondsSince, type RequestRecorder,
} from "../handlers/request-filters.js";
import { parseRequestInfo } from "../handlers/request-info.js";
import { toApiError } from "../handlers/respond.js";
import type { Registry } from "../registry/registry.js";
import { resolvePodTarget } from "./kubelet-location.js";

const EXEC_PARAMS = ["command", "stdin", "stdout", "stderr", "tty"];

/** Answers a refused upgrade with a Status body; returns the HTTP code sent. */
function writeStatus(socket: Duplex, err: unknown): number {
  const e = toApiError(err);
  const body = JSON.stringify(e.toStatus());
  socket.end(
    `HTTP/1.1 ${e.code} ${STATUS_CODES[e.code] ?? "Error"}\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  return e.code;
}

/** The status code of the kubelet's response, read from the start of its first chunk. */
export function upgradeStatusCode(firstChunk: Buffer): number | undefined {
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(firstChunk.toString("latin1", 0, 16));
  return m ? Number(m[1]) : undefined;
}

/** Where the upgrade handler logs and counts requests: the http logger and metrics express uses. */
export interface UpgradeObserver {
  log: Logger;
  recorder: RequestRecorder;
}

/** The kubelet path for an exec or portforward request. */
export function kubeletUpgradePath(sub: "exec" | "portforward", namespace: string, pod: string, container: string, query: URLSearchParams): string {
  const ns = encodeURIComponent(namespace), name = encodeURIComponent(pod);
  if (sub === "portforward") return `/portForward/${ns}/${name}`;
  const q = new URLSearchParams();
  for (const [k, v] of query) if (EXEC_PARAMS.includes(k)) q.append(k, v);
  return `/exec/${ns}/${name}/${encodeURIComponent(container)}?${q}`;
}

/** Returns the http.Server 'upgrade' listener. */
export function createUpgradeHandler(pods: Registry, nodes: Registry, log: Logger, observer: UpgradeObserver) {
  return (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const start = process.hrtime.bigint();
    const attrs = requestAttributes(req.method ?? "GET", req.url ?? "/");
    let observed = false;
    const observe = (code: number) => {
      if (observed) return;
      observed = true;
      observeRequest(observer.log, observer.recorder, { attrs, code, seconds: secondsSince(start), userAgent: req.headers["user-agent"] });
    };
    socket.on("error", (err) => log.debug({ err }, "upgrade client socket error"));
    void (async () => {
      authorizeRequest(authenticateRequest(req), attrs);
      const url = new URL(req.url ?? "/", "http://apiserver");
      const info = parseRequestInfo(url.pathname);
      const sub = info?.subresource;
      if (!info || info.ri.resource !== "pods" || info.ri.group !== "" || !info.name || !info.namespace || (sub !== "exec" && sub !== "portforward")) {
        throw new BadRequestError(`upgrade requests are only served for pods/exec and pods/portforward`);
      }
      const target = await resolvePodTarget(pods, nodes, info.namespace, info.name, sub === "exec" ? url.searchParams.get("container") ?? undefined : undefined);
      const path = kubeletUpgradePath(sub, info.namespace, info.name, target.container, url.searchParams);
      const { host, port } = target.location;
      const upstream = net.connect({ host, port });
      await new Promise<void>((resolve, reject) => {
        upstream.once("connect", resolve);
        upstream.once("error", (err) => reject(new ServiceUnavailableError(`error dialing the kubelet of pod ${info.name} at ${host}:${port}: ${err.message}`)));
      });
      const lines = [`${req.method} ${path} HTTP/1.1`, `Host: ${host}:${port}`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const k = req.rawHeaders[i]!;
        if (/^(host|authorization)$/i.test(k)) continue;
        lines.push(`${k}: ${req.rawHeaders[i + 1]}`);
      }
      upstream.write(lines.join("\r\n") + "\r\n\r\n");
      if (head.length) upstream.write(head);
      upstream.on("error", (err) => { log.debug({ err }, "upgrade kubelet socket error"); socket.destroy(); });
      socket.on("error", () => upstream.destroy());
      // A kubelet connection that ends before any answer counts as a bad gateway, as Go's reverse
      // proxy reports it (also when the client left first: there is no kubelet code to report).
      upstream.once("data", (chunk: Buffer) => observe(upgradeStatusCode(chunk) ?? 502));
      upstream.on("close", () => { observe(502); socket.destroy(); });
      socket.on("close", () => upstream.destroy());
      upstream.pipe(socket);
      socket.pipe(upstream);
      log.debug({ verb: req.method, path: url.pathname, kubelet: `${host}:${port}` }, "upgrade proxied");
    })().catch((err: unknown) => {
      if (!(err instanceof ApiError)) log.error({ err, path: req.url }, "upgrade failed");
      observe(writeStatus(socket, err));
    });
  };
}
