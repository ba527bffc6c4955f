/** The shim's Docker backend: the Engine interface and its dockerode implementation. */
export * from "./engine.js";
