/** Runs wrk (Debian's package) inside a network namespace and parses its --latency report. */
import { execFile } from "node:child_process";

/** One wrk run: throughput and latency percentiles in milliseconds. */
export interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  /** Socket errors plus non-2xx answers: a run with errors is not a fair comparison. */
  errors: number;
}

export interface WrkOptions {
  threads: number;
  connections: number;
  seconds: number;
  /** Send `Connection: close`: a new TCP connection (and a new NAT decision) per request. */
  newConnectionPerRequest: boolean;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function duration(s: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(s);
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : NaN;
}

/** Parses wrk's report (run with --latency). */
export function parseWrk(out: string): WrkResult {
  const pct = (p: string) => duration(new RegExp(`^\\s*${p}%\\s+(\\S+)`, "m").exec(out)?.[1] ?? "");
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  // With Connection: close, nginx closing the socket after the answer is counted as a read error by wrk; only connect errors and timeouts count.
  const errors = (sock ? Number(sock[1]) + Number(sock[4]) : 0) + non2xx;
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN),
    p50: pct("50"),
    p99: pct("99"),
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN),
    errors,
  };
}

/** wrk from inside `ns` against `url`. */
export function runWrk(ns: string, url: string, o: WrkOptions): Promise<WrkResult & { raw: string }> {
  const args = ["netns", "exec", ns, "wrk", "--latency", `-t${o.threads}`, `-c${o.connections}`, `-d${o.seconds}s`, "--timeout", "2s"];
  if (o.newConnectionPerRequest) args.push("-H", "Connection: close");
  args.push(url);
  return new Promise((resolve, reject) => {
    execFile("ip", args, { timeout: (o.seconds + 20) * 1000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`wrk ${url}: ${err.message}\n${stderr}`));
      resolve({ ...parseWrk(stdout), raw: stdout });
    });
  });
}
