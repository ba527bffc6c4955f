/**
 * The kubelet's HTTP server, which the apiserver proxies pods/log, pods/exec and
 * pods/portforward to: plain HTTP for logs, WebSocket upgrades (the protocols kubectl itself
 * speaks, so the apiserver can pipe sockets without translating) for exec and port-forward.
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { CHANNEL_PROTOCOLS } from "./channel.js";
import { runExecSession } from "./exec.js";
import { serveContainerLogs } from "./logs.js";
import { runPortForwardSession } from "./portforward.js";
import { rejectUpgrade, sendStatus } from "./status.js";
import type { KubeletServer, KubeletServerOptions } from "./types.js";

const PORT_FORWARD_PROTOCOL = "SPDY/3.1+portforward.k8s.io";

function splitPath(req: IncomingMessage): { route: string; parts: string[]; query: URLSearchParams } {
  const url = new URL(req.url ?? "/", "http://kubelet");
  const [route = "", ...parts] = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  return { route, parts, query: url.searchParams };
}

const truthy = (v: string | null) => v === "true" || v === "1";

/** Start the kubelet's streaming server (logs, exec, port-forward, healthz). */
export async function startKubeletServer(opts: KubeletServerOptions): Promise<KubeletServer> {
  const { log } = opts;
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (offered) => {
      return CHANNEL_PROTOCOLS.find((p) => offered.has(p)) ?? false;
    },
  });

  const portForwardRequests = new WeakSet<IncomingMessage>();
  wss.on("headers", (headers, req) => {
    if (portForwardRequests.has(req)) headers.push(`Sec-WebSocket-Protocol: ${PORT_FORWARD_PROTOCOL}`);
  });

  const server = createServer((req, res) => {
    const { route, parts, query } = splitPath(req);
    if (req.method === "GET" && route === "healthz") {
      res.writeHead(200, { "Content-Type": "text/plain" });
      return void res.end("ok");
    }
    if (req.method === "GET" && route === "containerLogs") {
      return void serveContainerLogs(req, res, parts, query, opts).catch((err: unknown) => {
        log.error({ err }, "containerLogs failed");
        if (!res.headersSent) sendStatus(res, 500, "InternalError", String(err));
        else res.end();
      });
    }
    if (route === "exec" || route === "portForward") {
      return sendStatus(res, 400, "BadRequest", `${route} requires a WebSocket upgrade (${route === "exec" ? CHANNEL_PROTOCOLS[0] : PORT_FORWARD_PROTOCOL})`);
    }
    sendStatus(res, 404, "NotFound", "the server could not find the requested resource");
  });

  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on("error", (err) => log.debug({ err }, "upgrade socket error"));
    const { route, parts, query } = splitPath(req);
    const [ns, podName, containerName] = parts;
    if ((route !== "exec" && route !== "portForward") || !ns || !podName) {
      return rejectUpgrade(socket, 404, "NotFound", "the server could not find the requested resource");
    }
    const pod = opts.resolvePod(ns, podName);
    if (!pod) return rejectUpgrade(socket, 404, "NotFound", `pod "${podName}" not found in namespace "${ns}"`);
    const isWebSocket = (req.headers.upgrade ?? "").toLowerCase() === "websocket";
    if (!isWebSocket) {
      return rejectUpgrade(socket, 400, "BadRequest", `upgrade to ${req.headers.upgrade ?? "?"} is not supported; this kubelet speaks WebSocket (${route === "exec" ? CHANNEL_PROTOCOLS[0] : PORT_FORWARD_PROTOCOL})`);
    }

    if (route === "exec") {
      const name = containerName || pod.defaultContainer;
      const c = pod.containers.get(name);
      if (!c) return rejectUpgrade(socket, 400, "BadRequest", `container ${name} is not valid for pod ${podName}`);
      const cmd = query.getAll("command");
      if (cmd.length === 0) return rejectUpgrade(socket, 400, "BadRequest", "you must specify at least one command for the container");
      const params = {
        containerId: c.id, cmd, tty: truthy(query.get("tty")), stdin: truthy(query.get("stdin")),
        stdout: truthy(query.get("stdout")), stderr: truthy(query.get("stderr")),
      };
      return wss.handleUpgrade(req, socket, head, (ws) => {
        log.debug({ namespace: ns, pod: podName, container: name, cmd }, "exec");
        runExecSession(ws, opts.runtime, params, log);
      });
    }

    if (!pod.sandboxId) return rejectUpgrade(socket, 400, "BadRequest", `pod ${podName} has no running sandbox`);
    const sandboxId = pod.sandboxId;
    // ws refuses "SPDY/3.1+portforward.k8s.io" ('/' is no token character), so we take the
    // header away from it and answer with it ourselves (see the "headers" listener).
    const offered = String(req.headers["sec-websocket-protocol"] ?? "").split(",").map((p) => p.trim());
    if (!offered.includes(PORT_FORWARD_PROTOCOL)) {
      return rejectUpgrade(socket, 400, "BadRequest", `port-forward requires the ${PORT_FORWARD_PROTOCOL} subprotocol`);
    }
    delete req.headers["sec-websocket-protocol"];
    portForwardRequests.add(req);
    wss.handleUpgrade(req, socket, head, (ws) => {
      log.debug({ namespace: ns, pod: podName }, "port-forward");
      runPortForwardSession(ws, opts.runtime, sandboxId, podName, log);
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const sockets = new Set<Socket>();
  server.on("connection", (s: Socket) => { sockets.add(s); s.on("close", () => sockets.delete(s)); });

  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => {
      for (const ws of wss.clients) ws.terminate();
      server.close(() => resolve());
      // Followed logs and upgraded sockets never end on their own.
      for (const s of sockets) s.destroy();
    }),
  };
}
