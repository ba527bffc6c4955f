/**
 * Running a host command and collecting its output: how the kubelet's network agent and
 * kube-proxy drive `ip`, `iptables-restore`, `sysctl` and `conntrack`.
 */
import { spawn } from "node:child_process";

/** Exit code and output of a finished command; code -1 when it could not be started (ENOENT). */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** How a component runs commands; tests pass a fake that records and answers. */
export type Runner = (cmd: string, args: string[], input?: string) => Promise<CommandResult>;

/** The real Runner: spawns `cmd args` with optional stdin; never rejects. */
export const runCommand: Runner = (cmd, args, input) =>
  new Promise((resolve) => {
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

/** Runs and throws on a non-zero exit, with the command and its stderr in the message. */
export async function mustRun(run: Runner, cmd: string, args: string[]): Promise<string> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")}: exit ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
  return r.stdout;
}
