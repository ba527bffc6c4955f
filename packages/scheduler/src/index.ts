/**
 * @kates/scheduler: the kates-scheduler daemon (src/main.ts). Exported for in-process tests:
 * `run(options, log, signal)`, the Scheduler, its queue, cache, algorithm and plugins.
 */
export * from "./scheduler.js";
export * from "./queue.js";
export * from "./algorithm.js";
export * from "./fit-error.js";
export * from "./node-info.js";
export * from "./pod-info.js";
export * from "./scheduler-cache.js";
export * from "./plugins/index.js";
export * from "./plugins/types.js";
