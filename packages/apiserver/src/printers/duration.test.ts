import { describe, it, expect } from "vitest";
import { humanDuration, since } from "./duration.js";

const s = 1000;
const m = 60 * s;
const h = 60 * m;
const d = 24 * h;

describe("humanDuration", () => {
  it.each([
    [0, "0s"],
    [-1500, "0s"],
    [-2500, "<invalid>"],
    [45 * s, "45s"],
    [119 * s, "119s"],
    [2 * m, "2m"],
    [4 * m + 33 * s, "4m33s"],
    [5 * m + 10 * s, "5m10s"],
    [9 * m + 59 * s, "9m59s"],
    [10 * m + 30 * s, "10m"],
    [179 * m, "179m"],
    [3 * h, "3h"],
    [3 * h + 5 * m, "3h5m"],
    [7 * h + 59 * m, "7h59m"],
    [8 * h + 30 * m, "8h"],
    [47 * h, "47h"],
    [2 * d, "2d"],
    [4 * d + 5 * h, "4d5h"],
    [7 * d + 23 * h, "7d23h"],
    [12 * d, "12d"],
    [729 * d, "729d"],
    [730 * d, "2y"],
    [731 * d, "2y1d"],
    [8 * 365 * d + 40 * d, "8y"],
  ])("%d ms is %s", (ms, want) => {
    expect(humanDuration(ms)).toBe(want);
  });
});

describe("since", () => {
  const now = new Date("2024-02-10T18:00:00Z");
  it("ages a timestamp against the clock it is given", () => {
    expect(since("2024-02-10T17:52:03Z", now)).toBe("7m57s");
    expect(since("2024-01-29T18:00:00Z", now)).toBe("12d");
  });
  it("prints <unknown> for a missing or unparsable timestamp", () => {
    expect(since(undefined, now)).toBe("<unknown>");
    expect(since(null, now)).toBe("<unknown>");
    expect(since("yesterday-ish", now)).toBe("<unknown>");
  });
});
