import { describe, expect, it } from "vitest";
import type { networkInterfaces } from "node:os";
import { defaultRouteInterface, pickNodeIP } from "./node-ip.js";

const a = (address: string, internal = false) => ({ address, family: "IPv4", internal, netmask: "255.255.255.0", mac: "00:00:00:00:00:00", cidr: `${address}/24` });
const ifaces = (o: Record<string, ReturnType<typeof a>[]>) => o as unknown as ReturnType<typeof networkInterfaces>;

describe("default node IP", () => {
  it("prefers the default route's interface, skips container bridges, never loopback", () => {
    const i = ifaces({ lo: [a("127.0.0.1", true)], docker0: [a("172.17.0.1")], kates1a2b3c4d: [a("10.244.3.1")], eth0: [a("192.0.2.2")], eth1: [a("198.51.100.2")] });
    expect(pickNodeIP(i, "eth1")).toBe("198.51.100.2");
    expect(pickNodeIP(i)).toBe("192.0.2.2");
    expect(pickNodeIP(ifaces({ lo: [a("127.0.0.1", true)], docker0: [a("172.17.0.1")] }))).toBe("172.17.0.1");
    expect(() => pickNodeIP(ifaces({ lo: [a("127.0.0.1", true)] }))).toThrow(/--node-ip/);
  });

  it("finds the default route's device in /proc/net/route", () => {
    const table = "Iface\tDestination\tGateway\tFlags\nvethX\t0002A8C0\t00000000\t0001\neth0\t00000000\t010200C0\t0003\n";
    expect(defaultRouteInterface(table)).toBe("eth0");
    expect(defaultRouteInterface("Iface\tDestination\n")).toBeUndefined();
  });
});
