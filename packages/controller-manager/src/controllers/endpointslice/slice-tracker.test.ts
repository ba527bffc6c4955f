import { describe, expect, it } from "vitest";
import type { EndpointSlice } from "@kates/api";
import { SliceWriteTracker } from "./slice-tracker.js";

const slice = (name: string, rv: string): EndpointSlice => ({ metadata: { name, resourceVersion: rv }, addressType: "IPv4", endpoints: [] });

describe("SliceWriteTracker", () => {
  it("waits until the cache shows created and updated slices at the written version and deleted ones gone", () => {
    let t = 0;
    const tracker = new SliceWriteTracker(5000, () => t);
    const cache = new Map<string, EndpointSlice>([["web-old", slice("web-old", "7")], ["web-a", slice("web-a", "8")]]);
    const get = (n: string) => cache.get(n);
    expect(tracker.caughtUp("ns/web", get)).toBe(true);
    tracker.record("ns/web", [slice("web-a", "12"), slice("web-new", "13")], ["web-old"]);
    expect(tracker.caughtUp("ns/web", get)).toBe(false);
    expect(tracker.caughtUp("ns/other", get)).toBe(true);
    cache.set("web-a", slice("web-a", "12"));
    cache.set("web-new", slice("web-new", "13"));
    expect(tracker.caughtUp("ns/web", get)).toBe(false);
    cache.delete("web-old");
    cache.set("web-a", slice("web-a", "20")); // someone else wrote it since: newer is fine
    expect(tracker.caughtUp("ns/web", get)).toBe(true);
  });

  it("gives up waiting after the grace period", () => {
    let t = 0;
    const tracker = new SliceWriteTracker(5000, () => t);
    tracker.record("ns/web", [slice("web-a", "12")], []);
    t = 4000;
    expect(tracker.caughtUp("ns/web", () => undefined)).toBe(false);
    t = 5001;
    expect(tracker.caughtUp("ns/web", () => undefined)).toBe(true);
    expect(tracker.caughtUp("ns/web", () => undefined)).toBe(true);
  });
});
