import { describe, it, expect } from "vitest";
import { WatchDecodeError, WatchDecoder } from "./watch-decoder.js";

const events = [
  { type: "ADDED", object: { kind: "Pod", metadata: { name: "ünï😀", resourceVersion: "1" } } },
  { type: "DELETED", object: { kind: "Pod", metadata: { name: "b", resourceVersion: "2" } } },
];
const bytes = Buffer.from(events.map((e) => JSON.stringify(e) + "\n").join(""));

describe("WatchDecoder", () => {
  it("decodes the same events whichever byte a stream is split at", () => {
    for (let cut = 1; cut < bytes.length; cut++) {
      const d = new WatchDecoder();
      const got = [...d.write(bytes.subarray(0, cut)), ...d.write(bytes.subarray(cut)), ...d.end()];
      expect(got, `cut at ${cut}`).toEqual(events);
    }
  });

  it("decodes byte-at-a-time input and a final line without newline", () => {
    const d = new WatchDecoder();
    const got = [];
    const noTrailing = bytes.subarray(0, bytes.length - 1);
    for (let i = 0; i < noTrailing.length; i++) got.push(...d.write(noTrailing.subarray(i, i + 1)));
    expect(got).toEqual(events.slice(0, 1));
    expect(d.end()).toEqual(events.slice(1));
  });

  it("skips blank lines and rejects lines that are not events", () => {
    const d = new WatchDecoder();
    expect(d.write("\n\r\n  \n")).toEqual([]);
    expect(() => d.write('{"type":"ADDED"\n')).toThrow(WatchDecodeError);
    expect(() => new WatchDecoder().write('{"type":"NOPE","object":{}}\n')).toThrow(/not a watch event/);
  });
});
