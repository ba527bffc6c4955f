import { describe, expect, it } from "vitest";
import { parseDuration, parseFlags, usageText } from "./daemon.js";
import { startHealthServer } from "./health-server.js";

describe("flags", () => {
  const flags = { port: { type: "string" as const, default: "10250", help: "port to serve on" }, hollow: { type: "boolean" as const, default: false, help: "no runtime" } };
  it("parses with defaults and renders help from the same table", () => {
    expect(parseFlags(flags, ["--hollow"])).toMatchObject({ port: "10250", hollow: true });
    expect(usageText("kates-kubelet", "node agent", flags)).toContain('--port string');
    expect(usageText("kates-kubelet", "node agent", flags)).toContain('(default "10250")');
    expect(() => parseFlags(flags, ["--nope"])).toThrow();
  });
  it("parses durations", () => {
    expect(parseDuration("250ms")).toBe(250);
    expect(parseDuration("2m")).toBe(120_000);
    expect(parseDuration("3")).toBe(3000);
    expect(() => parseDuration("soon")).toThrow();
  });
});

describe("health server", () => {
  it("answers 200 while checks pass and 503 naming the failed check", async () => {
    let healthy = true;
    const s = await startHealthServer({ host: "127.0.0.1", port: 0, readiness: { apiserver: () => { if (!healthy) throw new Error("unreachable"); } } });
    try {
      expect((await fetch(`http://127.0.0.1:${s.port}/readyz`)).status).toBe(200);
      healthy = false;
      const res = await fetch(`http://127.0.0.1:${s.port}/readyz`);
      expect(res.status).toBe(503);
      expect(await res.text()).toContain("[-]apiserver failed: unreachable");
      expect((await fetch(`http://127.0.0.1:${s.port}/healthz`)).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});
