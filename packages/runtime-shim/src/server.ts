/**
 * Wires the gRPC services to the shim's parts. Unary handlers share one wrapper that maps
 * every failure through toGrpcError, so no handler formats errors itself.
 */
import * as grpc from "@grpc/grpc-js";
import type { Logger } from "@kates/component-base";
import type { Engine } from "./docker/index.js";
import type { Containers } from "./containers.js";
import { toGrpcError } from "./errors.js";
import type { Images } from "./images.js";
import type { PodNetwork } from "./pod-network.js";
import { loadRuntimeProto } from "@kates/cri-api";
import type { Sandboxes } from "./sandboxes.js";
import type { Streaming } from "./streaming.js";

/** The CRI-like API version this shim speaks (proto/runtime.proto). */
export const RUNTIME_API_VERSION = "0.1.0";

export interface ShimParts {
  engine: Engine;
  sandboxes: Sandboxes;
  containers: Containers;
  streaming: Streaming;
  images: Images;
  network: PodNetwork;
  log: Logger;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Req = any;

function unary(log: Logger, name: string, fn: (req: Req) => Promise<object | void>): grpc.handleUnaryCall<Req, object> {
  return (call, cb) => {
    const started = performance.now();
    fn(call.request).then(
      (res) => {
        log.debug({ method: name, ms: Math.round(performance.now() - started) }, "rpc");
        cb(null, res ?? {});
      },
      (err) => {
        const e = toGrpcError(err);
        log.debug({ method: name, code: e.code, err: e.details }, "rpc failed");
        cb(e);
      },
    );
  };
}

/** A grpc.Server with RuntimeService and ImageService bound to parts (not yet listening). */
export function newShimServer(p: ShimParts): grpc.Server {
  const { RuntimeService, ImageService } = loadRuntimeProto();
  const server = new grpc.Server();
  const u = (name: string, fn: (req: Req) => Promise<object | void>) => unary(p.log, name, fn);
  server.addService(RuntimeService.service, {
    Version: u("Version", async () => {
      const v = await p.engine.version();
      return { version: RUNTIME_API_VERSION, runtime_name: "docker", runtime_version: v.version, runtime_api_version: v.apiVersion };
    }),
    RunPodSandbox: u("RunPodSandbox", async (r) => ({ pod_sandbox_id: await p.sandboxes.run(r.config) })),
    StopPodSandbox: u("StopPodSandbox", (r) => p.sandboxes.stop(r.pod_sandbox_id, (id) => p.containers.stopAll(id))),
    RemovePodSandbox: u("RemovePodSandbox", (r) => p.sandboxes.remove(r.pod_sandbox_id, (id) => p.containers.removeAll(id))),
    PodSandboxStatus: u("PodSandboxStatus", async (r) => ({ status: await p.sandboxes.status(r.pod_sandbox_id) })),
    ListPodSandbox: u("ListPodSandbox", async (r) => ({ items: await p.sandboxes.list(r.filter) })),
    CreateContainer: u("CreateContainer", async (r) => ({ container_id: await p.containers.create(r.pod_sandbox_id, r.config, r.sandbox_config) })),
    StartContainer: u("StartContainer", (r) => p.containers.start(r.container_id)),
    StopContainer: u("StopContainer", (r) => p.containers.stop(r.container_id, r.timeout)),
    RemoveContainer: u("RemoveContainer", (r) => p.containers.remove(r.container_id)),
    ListContainers: u("ListContainers", async (r) => ({ containers: await p.containers.list(r.filter) })),
    ContainerStatus: u("ContainerStatus", async (r) => ({ status: await p.containers.status(r.container_id) })),
    UpdateContainerResources: u("UpdateContainerResources", (r) => p.containers.updateResources(r.container_id, r.linux)),
    ExecSync: u("ExecSync", (r) => p.streaming.execSync(r.container_id, r.cmd, r.timeout)),
    Exec: (call: grpc.ServerDuplexStream<Req, Req>) => p.streaming.exec(call),
    PortForward: (call: grpc.ServerDuplexStream<Req, Req>) => p.streaming.portForward(call),
    UpdateRuntimeConfig: u("UpdateRuntimeConfig", (r) => p.network.configure(r.runtime_config?.network_config?.pod_cidr ?? "")),
    Status: u("Status", async () => {
      const runtime = await p.engine.version().then(
        () => ({ type: "RuntimeReady", status: true, reason: "", message: "" }),
        (err: Error) => ({ type: "RuntimeReady", status: false, reason: "EngineUnreachable", message: err.message }),
      );
      await p.network.verify().catch(() => undefined);
      return { status: { conditions: [runtime, p.network.condition()] } };
    }),
    ContainerLogs: (call: grpc.ServerWritableStream<Req, Req>) => {
      p.streaming.logs(call).catch((err) => call.emit("error", toGrpcError(err, "logs")));
    },
  });
  server.addService(ImageService.service, {
    ListImages: u("ListImages", async () => ({ images: await p.images.list() })),
    ImageStatus: u("ImageStatus", async (r) => {
      const image = await p.images.status(r.image?.image ?? "");
      return image ? { image } : {};
    }),
    PullImage: u("PullImage", async (r) => ({ image_ref: await p.images.pull(r.image?.image ?? "", r.auth) })),
    RemoveImage: u("RemoveImage", (r) => p.images.remove(r.image?.image ?? "")),
  });
  return server;
}
