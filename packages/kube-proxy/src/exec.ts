/** Runs a command and collects its output; the one place kube-proxy spawns processes. */
import { spawn } from "node:child_process";

/** Exit code and output of a finished command; code -1 if it could not be started (ENOENT). */
export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `cmd args` with optional stdin; never rejects. */
export function execCommand(cmd: string, args: string[], input?: string): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on("data", (c: Buffer) => out.push(c));
    child.stderr!.on("data", (c: Buffer) => err.push(c));
    child.once("error", (e) => resolve({ code: -1, stdout: "", stderr: e.message }));
    child.once("close", (code, signal) => resolve({ code: code ?? (signal ? 128 : -1), stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    if (input !== undefined) {
      child.stdin!.on("error", () => {}); // the command may exit before reading everything
      child.stdin!.end(input);
    }
  });
}

/** Splits a command prefix flag ("ip netns exec ns1") into words. */
export function splitWords(s: string): string[] {
  return s.split(/\s+/).filter(Boolean);
}
