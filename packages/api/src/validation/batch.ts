/**
 * Validation of batch/v1 Job and CronJob.
 */
import { fieldErrors, type FieldError } from "../errors.js";
import { JOB_CONTROLLER_UID_LABEL } from "../defaults-apiserver.js";
import type { CronJob, Job, JobSpec } from "../types/batch.js";
import { validateSelectorAndTemplate } from "./apps.js";
import { parseCron } from "./cron.js";
import { validateNonNegative } from "./meta.js";
import { validateWorkloadTemplate } from "./pod.js";

const JOB_RESTART_POLICIES = ["OnFailure", "Never"];

/** A JobSpec under `path`; `uid` (when known) checks that a generated selector was not tampered with. */
export function validateJobSpec(s: JobSpec | undefined, path: string, uid?: string): FieldError[] {
  if (!s || typeof s !== "object") return [fieldErrors.required(path)];
  const errs: FieldError[] = [];
  for (const f of ["parallelism", "completions", "backoffLimit", "ttlSecondsAfterFinished"] as const) errs.push(...validateNonNegative(s[f], `${path}.${f}`));
  if (s.activeDeadlineSeconds !== undefined && (!Number.isInteger(s.activeDeadlineSeconds) || s.activeDeadlineSeconds <= 0)) {
    errs.push(fieldErrors.invalid(`${path}.activeDeadlineSeconds`, s.activeDeadlineSeconds, "must be greater than 0"));
  }
  if (s.completionMode !== undefined && !["NonIndexed", "Indexed"].includes(s.completionMode)) errs.push(fieldErrors.notSupported(`${path}.completionMode`, s.completionMode, ["NonIndexed", "Indexed"]));
  if (s.completionMode === "Indexed" && s.completions === undefined) errs.push(fieldErrors.required(`${path}.completions`, "when completion mode is Indexed"));
  if (s.manualSelector === true || s.selector) {
    // The selector is the user's (manualSelector) or was generated from the uid on create.
    errs.push(...validateSelectorAndTemplate(s.selector, s.template, "job", JOB_RESTART_POLICIES, path));
    if (s.manualSelector !== true && uid && s.selector?.matchLabels?.[JOB_CONTROLLER_UID_LABEL] !== uid) {
      errs.push(fieldErrors.invalid(`${path}.selector`, s.selector, "`selector` not auto-generated"));
    }
  } else {
    errs.push(...validateWorkloadTemplate(s.template, undefined, `${path}.template`, JOB_RESTART_POLICIES));
  }
  return errs;
}

/** Job: counters, selector (manual or generated), template with restartPolicy OnFailure or Never. */
export const validateJob = (job: Job): FieldError[] => validateJobSpec(job.spec, "spec", job.metadata.uid);

/** Errors for a cron schedule string, or [] when it parses. */
export function cronScheduleErrors(schedule: string): string[] {
  if (/\b(CRON_)?TZ=/.test(schedule)) return ["cannot use TZ or CRON_TZ in schedule, use timeZone field instead"];
  try {
    parseCron(schedule);
    return [];
  } catch (e) {
    return [(e as Error).message];
  }
}

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** CronJob: name short enough for its Jobs' names, schedule, policies, and the job template. */
export function validateCronJob(cj: CronJob): FieldError[] {
  const errs: FieldError[] = [];
  // Jobs are named <cronjob>-<11-char timestamp>, and must still fit a 63-char label.
  const name = cj.metadata.name;
  if (name && name.length > 52) errs.push(fieldErrors.invalid("metadata.name", name, "must be no more than 52 characters"));
  const s = cj.spec;
  if (!s || typeof s !== "object") return [...errs, fieldErrors.required("spec")];
  if (!s.schedule) errs.push(fieldErrors.required("spec.schedule"));
  else for (const m of cronScheduleErrors(s.schedule)) errs.push(fieldErrors.invalid("spec.schedule", s.schedule, m));
  if (s.timeZone !== undefined && !validTimeZone(s.timeZone)) errs.push(fieldErrors.invalid("spec.timeZone", s.timeZone, "unknown time zone"));
  if (s.concurrencyPolicy !== undefined && !["Allow", "Forbid", "Replace"].includes(s.concurrencyPolicy)) {
    errs.push(fieldErrors.notSupported("spec.concurrencyPolicy", s.concurrencyPolicy, ["Allow", "Forbid", "Replace"]));
  }
  for (const f of ["startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"] as const) errs.push(...validateNonNegative(s[f], `spec.${f}`));
  if (!s.jobTemplate || typeof s.jobTemplate !== "object") errs.push(fieldErrors.required("spec.jobTemplate"));
  else errs.push(...validateJobSpec(s.jobTemplate.spec, "spec.jobTemplate.spec"));
  return errs;
}
