/**
 * One pino setup for every daemon: JSON lines on stdout, a `component` field, and a child
 * logger per part (`log.child({ controller: "replicaset" })`).
 */
import pino, { type Logger } from "pino";

export type { Logger };

export function newLogger(component: string, level = process.env.KATES_LOG_LEVEL ?? "info"): Logger {
  return pino({ level, base: { component, pid: process.pid } }, pino.destination({ sync: false }));
}
