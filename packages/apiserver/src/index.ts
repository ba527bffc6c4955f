/**
 * @kates/apiserver: the Kubernetes-compatible REST API over etcd. `startApiServer` runs it
 * in-process (tests, benchmarks); src/main.ts is the daemon.
 */
export { startApiServer, type ApiServerOptions, type RunningApiServer } from "./server.js";
export { parseFlags, usage } from "./flags.js";
