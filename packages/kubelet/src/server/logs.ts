/**
 * GET /containerLogs/{ns}/{pod}/{container}: the container's log as text/plain. When following,
 * headers go out at once and each chunk is written as it arrives, so the apiserver and kubectl
 * see lines live; the response ends when the runtime's log stream ends.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ContainerLogsRequest, KubeletServerOptions } from "./types.js";
import { sendStatus } from "./status.js";

/** Parses an integer query parameter; undefined when absent, NaN when malformed. */
function intParam(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  return v === null || v === "" ? undefined : /^-?\d+$/.test(v) ? Number(v) : NaN;
}

const truthy = (v: string | null) => v === "true" || v === "1";

/** Serves one containerLogs request. */
export async function serveContainerLogs(
  req: IncomingMessage, res: ServerResponse, parts: string[], q: URLSearchParams, opts: KubeletServerOptions,
): Promise<void> {
  const [ns, podName, containerName] = parts;
  if (!ns || !podName) return sendStatus(res, 400, "BadRequest", "expected /containerLogs/{namespace}/{pod}/{container}");
  const pod = opts.resolvePod(ns, podName);
  if (!pod) return sendStatus(res, 404, "NotFound", `pod "${podName}" not found in namespace "${ns}"`);
  const name = containerName || pod.defaultContainer;
  const c = pod.containers.get(name);
  if (!c) return sendStatus(res, 400, "BadRequest", `container ${name} is not valid for pod ${podName}`);
  const previous = truthy(q.get("previous"));
  const containerId = previous ? c.previousId : c.id;
  if (!containerId) {
    const msg = previous ? `previous terminated container "${name}" in pod "${podName}" not found` : `container "${name}" in pod "${podName}" is waiting to start`;
    return sendStatus(res, 400, "BadRequest", msg);
  }
  const tailLines = intParam(q, "tailLines"), sinceSeconds = intParam(q, "sinceSeconds"), limitBytes = intParam(q, "limitBytes");
  for (const [k, v] of [["tailLines", tailLines], ["sinceSeconds", sinceSeconds], ["limitBytes", limitBytes]] as const) {
    if (v !== undefined && (Number.isNaN(v) || v < 0)) return sendStatus(res, 400, "BadRequest", `invalid ${k}: ${q.get(k)}`);
  }
  const follow = truthy(q.get("follow"));
  const logReq: ContainerLogsRequest = {
    containerId, follow, tailLines: tailLines ?? -1, sinceSeconds: sinceSeconds ?? 0,
    timestamps: truthy(q.get("timestamps")), limitBytes: limitBytes ?? 0,
  };

  const abort = new AbortController();
  const onClose = () => abort.abort();
  res.on("close", onClose);
  const startBody = () => {
    if (res.headersSent) return;
    res.writeHead(200, { "Content-Type": "text/plain", "Cache-Control": "no-cache" });
    res.flushHeaders();
  };
  if (follow) startBody();
  let written = 0;
  try {
    for await (const chunk of opts.runtime.containerLogs(logReq, abort.signal)) {
      if (abort.signal.aborted) break;
      startBody();
      let data = chunk.data;
      // Enforce limitBytes here too: the runtime may count differently (or ignore it).
      if (logReq.limitBytes > 0) data = data.subarray(0, Math.max(0, logReq.limitBytes - written));
      written += data.length;
      if (data.length) res.write(data);
      if (logReq.limitBytes > 0 && written >= logReq.limitBytes) break;
    }
    startBody();
    res.end();
  } catch (err) {
    if (abort.signal.aborted) return;
    opts.log.warn({ err, namespace: ns, pod: podName, container: name }, "container log stream failed");
    if (!res.headersSent) return sendStatus(res, 500, "InternalError", `failed to get logs for container ${name}: ${(err as Error).message}`);
    res.end();
  } finally {
    res.off("close", onClose);
    abort.abort();
  }
}
