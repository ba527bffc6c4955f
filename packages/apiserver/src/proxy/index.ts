/** Proxies from the apiserver to kubelets: pods/log, pods/exec, pods/portforward. */
export * from "./kubelet-location.js";
export * from "./pod-log.js";
export * from "./upgrade.js";
