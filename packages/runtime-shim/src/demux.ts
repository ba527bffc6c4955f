/**
 * Splits Docker's multiplexed attach/logs/exec stream (non-tty): each frame is an 8-byte
 * header (stream type 1 stdout / 2 stderr, three zero bytes, big-endian uint32 length)
 * followed by the payload. Frames may arrive split across chunks or several per chunk.
 */
export type StreamName = "stdout" | "stderr";

/** A stateful frame parser: push chunks, get back complete (stream, data) pieces. */
export class Demuxer {
  private buffered: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): { stream: StreamName; data: Buffer }[] {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    const out: { stream: StreamName; data: Buffer }[] = [];
    while (this.buffered.length >= 8) {
      const size = this.buffered.readUInt32BE(4);
      if (this.buffered.length < 8 + size) break;
      const type = this.buffered[0];
      const data = this.buffered.subarray(8, 8 + size);
      this.buffered = this.buffered.subarray(8 + size);
      // Type 0 is stdin echoed back; nothing for callers.
      if (type === 1 || type === 2) out.push({ stream: type === 2 ? "stderr" : "stdout", data: Buffer.from(data) });
    }
    return out;
  }
}

/** Builds one frame (for tests and fakes). */
export function frame(stream: StreamName, data: Buffer | string): Buffer {
  const payload = Buffer.from(data);
  const header = Buffer.alloc(8);
  header[0] = stream === "stderr" ? 2 : 1;
  header.writeUInt32BE(payload.length, 4);
  return Buffer.concat([header, payload]);
}
