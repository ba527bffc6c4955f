/** Splits a watch response (one JSON event per line) into events, whatever the chunk boundaries. */
import { StringDecoder } from "node:string_decoder";
import type { KObject, WatchEvent } from "@kates/api";

const EVENT_TYPES = new Set(["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"]);

/** A line of a watch stream that is not a watch event. */
export class WatchDecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WatchDecodeError";
  }
}

/**
 * Incremental decoder for newline-delimited watch events. Chunks may split a line or even a
 * multi-byte UTF-8 character anywhere; blank lines are ignored.
 */
export class WatchDecoder<T = KObject> {
  private buf = "";
  private readonly utf8 = new StringDecoder("utf8");

  /** Feeds one chunk and returns the events completed by it. */
  write(chunk: Buffer | string): WatchEvent<T>[] {
    this.buf += typeof chunk === "string" ? chunk : this.utf8.write(chunk);
    const out: WatchEvent<T>[] = [];
    let start = 0;
    for (let nl = this.buf.indexOf("\n"); nl >= 0; nl = this.buf.indexOf("\n", start)) {
      this.parseLine(this.buf.slice(start, nl), out);
      start = nl + 1;
    }
    this.buf = this.buf.slice(start);
    return out;
  }

  /** Flushes a final event the server did not terminate with a newline. */
  end(): WatchEvent<T>[] {
    this.buf += this.utf8.end();
    const out: WatchEvent<T>[] = [];
    this.parseLine(this.buf, out);
    this.buf = "";
    return out;
  }

  private parseLine(line: string, out: WatchEvent<T>[]): void {
    if (!line.trim()) return;
    let ev: unknown;
    try {
      ev = JSON.parse(line);
    } catch (err) {
      throw new WatchDecodeError(`malformed watch event: ${(err as Error).message}: ${line.slice(0, 200)}`);
    }
    const e = ev as { type?: unknown; object?: unknown };
    if (typeof e !== "object" || e === null || typeof e.type !== "string" || !EVENT_TYPES.has(e.type) || typeof e.object !== "object" || e.object === null) {
      throw new WatchDecodeError(`not a watch event: ${line.slice(0, 200)}`);
    }
    out.push(ev as WatchEvent<T>);
  }
}
