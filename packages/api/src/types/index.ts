/**
 * TypeScript shapes of every object kates serves, grouped by API group.
 */
export * from "./core.js";
export * from "./apps.js";
export * from "./batch.js";
export * from "./coordination.js";
export * from "./discovery.js";
export * from "./autoscaling.js";
