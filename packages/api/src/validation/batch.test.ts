import { describe, it, expect } from "vitest";
import { applyDefaults, jobSelectorDefaults } from "../defaults.js";
import { formatFieldError } from "../errors.js";
import type { KObject } from "../meta.js";
import { findKind } from "../resources.js";
import type { Job } from "../types/batch.js";
import { cronScheduleErrors } from "./batch.js";
import { nextCronTime, parseCron } from "./cron.js";
import { validateObject } from "./index.js";

function check(obj: KObject, uid?: string): string[] {
  const ri = findKind(obj.apiVersion!, obj.kind!)!;
  const o = structuredClone(obj);
  applyDefaults(o, ri);
  if (uid) {
    o.metadata.uid = uid;
    jobSelectorDefaults(o as Job, uid);
  }
  return validateObject(o, ri).map(formatFieldError);
}

const podTemplate = (restartPolicy?: string) => ({ spec: { restartPolicy, containers: [{ name: "pi", image: "perl" }] } });
const job = (spec: object): KObject => ({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "pi" }, spec: { template: podTemplate("Never"), ...spec } });

describe("Job", () => {
  it("accepts a job with a generated selector", () => expect(check(job({}), "u-1")).toEqual([]));

  it("rejects restartPolicy Always (the pod default)", () => {
    expect(check(job({ template: podTemplate() }), "u-1")).toEqual([
      "spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\"",
    ]);
  });

  it("checks counters", () => {
    expect(check(job({ parallelism: -1, completions: -2, backoffLimit: -3 }), "u-1")).toEqual([
      "spec.parallelism: Invalid value: -1: must be greater than or equal to 0",
      "spec.completions: Invalid value: -2: must be greater than or equal to 0",
      "spec.backoffLimit: Invalid value: -3: must be greater than or equal to 0",
    ]);
  });

  it("requires a matching selector with manualSelector, and a generated one without", () => {
    expect(check(job({ manualSelector: true }))).toEqual(["spec.selector: Required value"]);
    expect(check(job({ manualSelector: true, selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, ...podTemplate("OnFailure") } }))).toEqual([]);
    expect(check(job({ selector: { matchLabels: { a: "b" } } }), "u-1")).toEqual([
      "spec.template.metadata.labels: Invalid value: {\"batch.kubernetes.io/controller-uid\":\"u-1\",\"batch.kubernetes.io/job-name\":\"pi\",\"controller-uid\":\"u-1\",\"job-name\":\"pi\"}: `selector` does not match template `labels`",
      "spec.selector: Invalid value: {\"matchLabels\":{\"a\":\"b\"}}: `selector` not auto-generated",
    ]);
  });
});

describe("CronJob", () => {
  const cj = (spec: object, name = "hello"): KObject => ({ apiVersion: "batch/v1", kind: "CronJob", metadata: { name }, spec: { schedule: "*/5 * * * *", jobTemplate: { spec: { template: podTemplate("OnFailure") } }, ...spec } });

  it("accepts valid schedules", () => {
    expect(check(cj({}))).toEqual([]);
    expect(check(cj({ schedule: "@hourly" }))).toEqual([]);
  });

  it("rejects bad schedules, policies and long names", () => {
    expect(check(cj({ schedule: "" }))).toEqual(["spec.schedule: Required value"]);
    expect(check(cj({ schedule: "every minute" }))).toEqual(["spec.schedule: Invalid value: \"every minute\": expected exactly 5 fields, found 2: [every minute]"]);
    expect(check(cj({ concurrencyPolicy: "Sometimes" }))).toHaveLength(1);
    expect(check(cj({}, "x".repeat(53)))).toEqual([`metadata.name: Invalid value: "${"x".repeat(53)}": must be no more than 52 characters`]);
    expect(check(cj({ jobTemplate: { spec: { template: podTemplate() } } }))).toEqual([
      "spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\"",
    ]);
  });
});

describe("cron", () => {
  it.each([
    ["* * * * *", []],
    ["0 0 * * 0", []],
    ["0 9-17/2 * JAN-MAR mon-fri", []],
    ["0 0 ? * *", []],
    ["@daily", []],
    ["60 * * * *", ["end of range (60) above maximum (59): 60"]],
    ["* * 0 * *", ["beginning of range (0) below minimum (1): 0"]],
    ["*/0 * * * *", ["step of range should be a positive number: */0"]],
    ["5-1 * * * *", ["beginning of range (5) beyond end of range (1): 5-1"]],
    ["@fortnightly", ["unrecognized descriptor: @fortnightly"]],
    ["TZ=UTC * * * * *", ["cannot use TZ or CRON_TZ in schedule, use timeZone field instead"]],
  ])("%j", (s, errs) => expect(cronScheduleErrors(s)).toEqual(errs));

  it("computes the next run", () => {
    const at = (s: string, from: string) => nextCronTime(parseCron(s), new Date(from))?.toISOString();
    expect(at("*/15 * * * *", "2024-01-01T10:07:30Z")).toBe("2024-01-01T10:15:00.000Z");
    expect(at("0 0 * * *", "2024-01-31T23:59:00Z")).toBe("2024-02-01T00:00:00.000Z");
    expect(at("30 2 29 2 *", "2024-03-01T00:00:00Z")).toBe("2028-02-29T02:30:00.000Z");
    // Both day fields restricted: either one may match (1st of the month, or a Monday).
    expect(at("0 0 1 * mon", "2024-01-02T00:00:00Z")).toBe("2024-01-08T00:00:00.000Z");
    expect(at("0 0 * * 7", "2024-01-01T00:00:00Z")).toBe("2024-01-07T00:00:00.000Z");
  });
});
