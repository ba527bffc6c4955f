import { describe, it, expect } from "vitest";
import { Channel, decodeChannel, encodeChannel, exitStatus, parseResize } from "./channel.js";

describe("channel codec", () => {
  it("prefixes and strips the channel byte", () => {
    const msg = encodeChannel(Channel.Stdout, "hi\n");
    expect([...msg]).toEqual([1, 0x68, 0x69, 0x0a]);
    const d = decodeChannel(msg)!;
    expect(d.channel).toBe(1);
    expect(d.data.toString()).toBe("hi\n");
  });

  it("decodes v5's close message and ignores empty messages", () => {
    expect(decodeChannel(Buffer.from([255, 0]))).toEqual({ channel: 255, data: Buffer.from([0]) });
    expect(decodeChannel(Buffer.alloc(0))).toBeUndefined();
  });

  it("reports exit codes the way kubectl reads them", () => {
    expect(exitStatus(0)).toEqual({ metadata: {}, status: "Success" });
    const s = exitStatus(3) as { status: string; reason: string; details: { causes: { reason: string; message: string }[] } };
    expect(s.status).toBe("Failure");
    expect(s.reason).toBe("NonZeroExitCode");
    expect(s.details.causes).toEqual([{ reason: "ExitCode", message: "3" }]);
  });

  it("parses resize messages", () => {
    expect(parseResize(Buffer.from('{"Width":100,"Height":30}\n'))).toEqual({ width: 100, height: 30 });
    expect(parseResize(Buffer.from("nope"))).toBeUndefined();
  });
});
