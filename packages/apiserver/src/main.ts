#!/usr/bin/env node
/**
 * kates-apiserver entry point: parse flags, build the logger, start, stop on SIGTERM/SIGINT.
 */
import pino from "pino";
import { parseFlags, usage } from "./flags.js";
import { startApiServer } from "./server.js";

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseFlags(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n\n${usage}`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(usage);
    return 0;
  }
  const log = pino({ level: parsed.logLevel, base: { component: "kates-apiserver", pid: process.pid } }, pino.destination({ sync: false }));
  // etcd3 1.1 throws from inside its watch stream when etcd answers for a watcher it has
  // already dropped; that is a client-library race, not a reason to stop serving.
  process.on("uncaughtException", (err) => {
    if (err?.name === "ClientRuntimeError" && /Failed to find watcher/.test(err.message)) {
      log.warn({ err }, "ignored etcd3 watch bookkeeping error");
      return;
    }
    log.fatal({ err }, "uncaught exception");
    log.flush();
    process.exit(1);
  });
  const server = await startApiServer(parsed.options, log);
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", () => resolve());
    process.once("SIGINT", () => resolve());
  });
  log.info("shutting down");
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  await server.close();
  log.flush();
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`kates-apiserver: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
