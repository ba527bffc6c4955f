/**
 * @kates/api: the shared vocabulary of kates. Object types, the resource table,
 * defaulting, validation, label and field selectors, schemas, and typed API errors.
 * Imports nothing else from this repository.
 */
export * from "./meta.js";
export * from "./errors.js";
export * from "./resources.js";
export * from "./types/index.js";
export * from "./selectors.js";
export * from "./defaults.js";
export * from "./schema/index.js";
export * from "./validation/index.js";
