/**
 * The shape of every daemon's main.ts: parse flags (printing --help), build the logger,
 * call `run(options, log, signal)`, and map the result to an exit code. SIGTERM and SIGINT
 * abort the signal, so `run` shuts down gracefully and returns.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { newLogger, type Logger } from "./logger.js";

export interface FlagSpec {
  type: "string" | "boolean";
  default?: string | boolean;
  /** One line for --help. */
  help: string;
  short?: string;
  multiple?: boolean;
}

export type Flags = Record<string, FlagSpec>;

/** Renders --help from the flag table so the two never disagree. */
export function usageText(name: string, summary: string, flags: Flags): string {
  const lines = Object.entries(flags).map(([k, f]) => {
    const left = `  ${f.short ? `-${f.short}, ` : ""}--${k}${f.type === "string" ? " string" : ""}`;
    const def = f.default !== undefined && f.default !== "" ? ` (default ${JSON.stringify(f.default)})` : "";
    return `${left.padEnd(38)} ${f.help}${def}`;
  });
  return `${name}: ${summary}\n\nUsage: ${name} [flags]\n\nFlags:\n${lines.join("\n")}\n  -h, --help${" ".repeat(28)} show this help\n`;
}

export function parseFlags(flags: Flags, argv: string[]): Record<string, string | boolean | string[] | undefined> {
  const options: ParseArgsConfig["options"] = { help: { type: "boolean", short: "h", default: false } };
  for (const [k, f] of Object.entries(flags)) {
    options[k] = { type: f.type, ...(f.default !== undefined && { default: f.default as never }), ...(f.short && { short: f.short }), ...(f.multiple && { multiple: true }) };
  }
  return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as Record<string, string | boolean | string[] | undefined>;
}

export interface DaemonSpec<O> {
  name: string;
  summary: string;
  flags: Flags;
  /** Turns parsed flags into options; throw an Error with a message for bad values. */
  options(values: Record<string, string | boolean | string[] | undefined>): O;
  /** Runs until signal aborts, then shuts down and returns. */
  run(options: O, log: Logger, signal: AbortSignal): Promise<void>;
}

/** Runs a daemon as a process: the whole of a thin main.ts is `runDaemon(spec)`. */
export function runDaemon<O>(spec: DaemonSpec<O>, argv = process.argv.slice(2)): void {
  let values;
  let options: O;
  try {
    values = parseFlags(spec.flags, argv);
    if (values.help) {
      process.stdout.write(usageText(spec.name, spec.summary, spec.flags));
      process.exit(0);
    }
    options = spec.options(values);
  } catch (err) {
    process.stderr.write(`error: ${(err as Error).message}\n\n${usageText(spec.name, spec.summary, spec.flags)}`);
    process.exit(2);
  }
  const log = newLogger(spec.name, typeof values["log-level"] === "string" ? values["log-level"] : undefined);
  const ac = new AbortController();
  const stop = (sig: string) => {
    log.info({ signal: sig }, "shutting down");
    ac.abort();
    setTimeout(() => process.exit(1), 15_000).unref();
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
  spec.run(options, log, ac.signal).then(
    () => {
      log.flush();
      process.exit(0);
    },
    (err) => {
      log.fatal({ err }, `${spec.name} failed`);
      log.flush();
      setTimeout(() => process.exit(1), 100);
    },
  );
}

/** Parses "5m", "30s", "250ms", "1h" or plain seconds into milliseconds. */
export function parseDuration(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m) throw new Error(`invalid duration ${JSON.stringify(s)}`);
  return Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as Record<string, number>)[m[2] ?? "s"];
}

/** Resolves after ms, or at once when signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    // Remove the listener when the timer fires, or loops that sleep pile them up on one signal.
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
