#!/usr/bin/env node
/** kates-runtime-shim entry point: flags, then run() (runtime-shim.ts). */
import { runDaemon } from "@kates/component-base";
import { run, type RunOptions } from "./runtime-shim.js";

runDaemon<RunOptions>({
  name: "kates-runtime-shim",
  summary: "serves the CRI-like runtime API (proto/runtime.proto) over the local Docker engine",
  flags: {
    listen: { type: "string", default: "unix:///run/kates/runtime-shim.sock", help: "gRPC listen address" },
    "docker-socket": { type: "string", default: "/var/run/docker.sock", help: "Docker engine API socket" },
    registry: { type: "string", default: "127.0.0.1:5000", help: "registry that unqualified image names resolve against" },
    "pause-image": { type: "string", default: "pause:3.9", help: "image of the sandbox (pause) containers" },
    "sandbox-pool-size": { type: "string", default: "2", help: "pre-started sandboxes kept ready (0: none)" },
    "state-dir": { type: "string", default: "/var/lib/kates/runtime-shim", help: "where pooled sandboxes' pod metadata is kept" },
    "shim-id": { type: "string", default: "default", help: "owner label: shims sharing one engine see only their own objects" },
    "log-level": { type: "string", default: "info", help: "trace, debug, info, warn or error" },
  },
  options: (v) => {
    const poolSize = Number(v["sandbox-pool-size"]);
    if (!Number.isInteger(poolSize) || poolSize < 0) throw new Error("--sandbox-pool-size must be a whole number >= 0");
    const shimId = String(v["shim-id"]);
    return {
      listen: String(v.listen),
      dockerSocket: String(v["docker-socket"]),
      registry: String(v.registry),
      pauseImage: String(v["pause-image"]),
      sandboxPoolSize: poolSize,
      stateDir: `${String(v["state-dir"])}/${shimId}`,
      shimId,
    };
  },
  run,
});
