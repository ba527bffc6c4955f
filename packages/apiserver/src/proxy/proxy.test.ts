import { describe, it, expect } from "vitest";
import type { KObject } from "@kates/api";
import { containerLogsQuery } from "./pod-log.js";
import { kubeletLocationOf } from "./kubelet-location.js";
import { kubeletUpgradePath } from "./upgrade.js";

const node = (status: object): KObject => ({ apiVersion: "v1", kind: "Node", metadata: { name: "n1" }, status } as KObject);

describe("kubeletLocationOf", () => {
  it("prefers InternalIP and the advertised kubelet port", () => {
    expect(kubeletLocationOf(node({
      addresses: [{ type: "Hostname", address: "n1" }, { type: "InternalIP", address: "10.0.0.5" }],
      daemonEndpoints: { kubeletEndpoint: { Port: 10251 } },
    }))).toEqual({ host: "10.0.0.5", port: 10251 });
  });

  it("falls back to Hostname and port 10250", () => {
    expect(kubeletLocationOf(node({ addresses: [{ type: "Hostname", address: "n1" }] }))).toEqual({ host: "n1", port: 10250 });
  });

  it("fails without any address", () => {
    expect(() => kubeletLocationOf(node({}))).toThrow(/no preferred addresses/);
  });
});

describe("containerLogsQuery", () => {
  it("keeps the options the kubelet understands", () => {
    const q = containerLogsQuery({ follow: "true", tailLines: "5", timestamps: "true", previous: "false", container: "c", limitBytes: "100" });
    expect(Object.fromEntries(q)).toEqual({ follow: "true", timestamps: "true", tailLines: "5", limitBytes: "100" });
  });

  it("turns sinceTime into sinceSeconds", () => {
    const now = Date.parse("2024-01-01T01:00:00Z");
    expect(containerLogsQuery({ sinceTime: "2024-01-01T00:00:00Z" }, now).get("sinceSeconds")).toBe("3600");
  });

  it("rejects malformed numbers", () => {
    expect(() => containerLogsQuery({ tailLines: "x" })).toThrow(/invalid tailLines/);
  });
});

describe("kubeletUpgradePath", () => {
  it("rewrites exec to the kubelet route, keeping each command argument", () => {
    const q = new URLSearchParams("command=ls&command=-la&command=%2Ftmp&container=app&stdout=true&stderr=true&timeout=5");
    expect(kubeletUpgradePath("exec", "default", "web", "app", q)).toBe("/exec/default/web/app?command=ls&command=-la&command=%2Ftmp&stdout=true&stderr=true");
  });

  it("rewrites portforward", () => {
    expect(kubeletUpgradePath("portforward", "ns", "p", "", new URLSearchParams())).toBe("/portForward/ns/p");
  });
});
