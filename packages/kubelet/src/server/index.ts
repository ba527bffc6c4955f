/** The kubelet's HTTP server: container logs, exec and port-forward for the apiserver to proxy to. */
export * from "./types.js";
export { startKubeletServer } from "./server.js";
