/** Running commands on the outer machine and inside lab hosts (`docker exec`). */
import { spawn } from "node:child_process";
import { OutputTail, trackChild } from "./processes.js";

/** What a command printed and returned. */
export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options for {@link runCommand}. */
export interface RunOptions {
  /** Written to stdin. */
  input?: string | Buffer;
  /** Kill after this many ms (default 60 s); the result then has code -1. */
  timeoutMs?: number;
}

/** Runs `argv` and resolves with its output; never rejects for a non-zero exit. */
export function runCommand(argv: string[], options: RunOptions = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ["pipe", "pipe", "pipe"] });
    trackChild(child);
    const stdout = new OutputTail(8_000_000);
    const stderr = new OutputTail(8_000_000);
    child.stdout.on("data", (c: Buffer) => stdout.push(c));
    child.stderr.on("data", (c: Buffer) => stderr.push(c));
    child.stdin.on("error", () => {
      // the command may exit before reading stdin; its exit code tells
    });
    child.stdin.end(options.input ?? "");
    const timeoutMs = options.timeoutMs ?? 60_000;
    const timer = setTimeout(() => {
      stderr.push(`\n[harness] ${argv.slice(0, 4).join(" ")} killed after ${timeoutMs} ms\n`);
      child.kill("SIGKILL");
    }, timeoutMs);
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${argv[0]}: ${err.message}`, { cause: err }));
    });
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout: stdout.toString(), stderr: stderr.toString() });
    });
  });
}

/** Like {@link runCommand}, but rejects (with the output) when the exit code is not 0. */
export async function mustRun(argv: string[], options: RunOptions = {}): Promise<string> {
  const r = await runCommand(argv, options);
  if (r.code !== 0) throw new Error(`${argv.join(" ")} exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** A shell command (`sh -c`) or an argv. */
export type Command = string | string[];

/** The argv of `docker exec` running `cmd` in `container`. */
export function dockerExecArgv(container: string, cmd: Command, stdin = false): string[] {
  const inner = typeof cmd === "string" ? ["sh", "-c", cmd] : cmd;
  return ["docker", "exec", ...(stdin ? ["-i"] : []), container, ...inner];
}
