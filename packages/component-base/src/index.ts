/**
 * @kates/component-base: what every kates daemon shares, so each main.ts stays thin:
 * the pino logger, flag parsing with generated --help, SIGTERM handling, and the
 * /healthz, /readyz, /metrics server.
 */
export * from "./logger.js";
export * from "./health-server.js";
export * from "./daemon.js";
export * from "./exec.js";
