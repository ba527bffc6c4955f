import { describe, expect, it } from "vitest";
import { Demuxer, frame } from "./demux.js";

describe("Demuxer", () => {
  it("splits frames that arrive split and joined", () => {
    const all = Buffer.concat([frame("stdout", "hello "), frame("stderr", "oops"), frame("stdout", "world")]);
    const d = new Demuxer();
    const got = [...d.push(all.subarray(0, 5)), ...d.push(all.subarray(5, 20)), ...d.push(all.subarray(20))];
    expect(got.map((g) => [g.stream, g.data.toString()])).toEqual([["stdout", "hello "], ["stderr", "oops"], ["stdout", "world"]]);
  });
});
