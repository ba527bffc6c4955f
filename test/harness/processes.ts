import { type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";

// Children and temp dirs that must not outlive the test process, even when a test throws
// or the worker exits early: killed and removed synchronously on exit.
const children = new Set<ChildProcess>();
const dirs = new Set<string>();
let installed = false;

function cleanupSync(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  children.clear();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  process.once("exit", cleanupSync);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    // Only take over a signal nobody else handles: the default action would skip 'exit' handlers.
    if (process.listenerCount(signal) > 0) continue;
    process.once(signal, () => {
      cleanupSync();
      process.kill(process.pid, signal);
    });
  }
}

/** Registers a child process to be SIGKILLed if the test process exits while it still runs. */
export function trackChild(child: ChildProcess): void {
  install();
  children.add(child);
  child.once("exit", () => children.delete(child));
}

/** Registers a directory to be removed when the test process exits. */
export function trackDir(dir: string): void {
  install();
  dirs.add(dir);
}

/** Forgets a directory the caller has already removed. */
export function untrackDir(dir: string): void {
  dirs.delete(dir);
}

/** Resolves when the child has exited; SIGTERM first, SIGKILL after `timeoutMs`. */
export async function terminate(child: ChildProcess, timeoutMs = 10_000, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Keeps the last `maxChars` characters of a stream of output (enough to diagnose a failure). */
export class OutputTail {
  private text = "";
  constructor(private readonly maxChars = 1_000_000) {}

  /** Appends a chunk of output. */
  push(chunk: Buffer | string): void {
    this.text += chunk.toString();
    if (this.text.length > this.maxChars) this.text = this.text.slice(this.text.length - this.maxChars);
  }

  /** Returns the retained output. */
  toString(): string {
    return this.text;
  }
}
