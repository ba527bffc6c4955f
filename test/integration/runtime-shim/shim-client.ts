/**
 * Test helpers: a promise-based client for the shim's gRPC API (loaded from the same proto
 * file the kubelet uses) and label-based cleanup of everything a shim id created.
 */
import { execFileSync } from "node:child_process";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { loadRuntimeProto } from "@kates/cri-api";
import type { RunOptions } from "../../../packages/runtime-shim/src/runtime-shim.js";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

export interface ShimClient {
  runtime: grpc.Client & Record<string, Any>;
  images: grpc.Client & Record<string, Any>;
  call<T = Any>(method: string, req?: object): Promise<T>;
  close(): void;
}

const IMAGE_METHODS = new Set(["ListImages", "ImageStatus", "PullImage", "RemoveImage"]);

export function shimClient(address: string): ShimClient {
  const { RuntimeService, ImageService } = loadRuntimeProto();
  const runtime = new RuntimeService(address, grpc.credentials.createInsecure()) as ShimClient["runtime"];
  const images = new ImageService(address, grpc.credentials.createInsecure()) as ShimClient["images"];
  return {
    runtime,
    images,
    call(method, req = {}) {
      const c = IMAGE_METHODS.has(method) ? images : runtime;
      return new Promise((resolve, reject) => c[method](req, { deadline: Date.now() + 60_000 }, (err: Error | null, res: Any) => (err ? reject(err) : resolve(res))));
    },
    close() {
      runtime.close();
      images.close();
    },
  };
}

/** Force-removes every container labelled with shim id `id` (sandboxes, containers, pool). */
export function removeShimContainers(id: string): void {
  const ids = execFileSync("docker", ["ps", "-aq", "--filter", `label=io.kates.shim=${id}`], { encoding: "utf8" }).split("\n").filter(Boolean);
  if (ids.length) execFileSync("docker", ["rm", "-f", "-v", ...ids], { stdio: "ignore" });
}

export function dockerInspect(id: string): Any {
  return JSON.parse(execFileSync("docker", ["inspect", id], { encoding: "utf8" }))[0];
}

export function dockerAvailable(): boolean {
  try {
    execFileSync("docker", ["info"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Options for a test shim on this machine's Docker: socket and state under `dir`, images from the local registry. */
export function testShimOptions(dir: string, shimId: string, sandboxPoolSize: number): RunOptions {
  return {
    listen: `unix://${dir}/shim.sock`,
    dockerSocket: "/var/run/docker.sock",
    registry: process.env.KATES_REGISTRY ?? "127.0.0.1:5000",
    pauseImage: "pause:3.9",
    sandboxPoolSize,
    stateDir: path.join(dir, "state"),
    shimId,
  };
}
