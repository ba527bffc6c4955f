/** Schedule arithmetic for the CronJob controller: time zones and the most recent missed run. */
import { nextCronTime, parseCron, type CronJob, type CronSchedule } from "@kates/api";

/** A parsed schedule with the IANA zone its fields are read in ("UTC" unless spec.timeZone or CRON_TZ=). */
export interface ZonedSchedule {
  cron: CronSchedule;
  timeZone: string;
}

/** Parses spec.schedule (a `CRON_TZ=`/`TZ=` prefix is honoured, as robfig/cron does). @throws on bad input */
export function parseSchedule(cj: CronJob): ZonedSchedule {
  let schedule = cj.spec?.schedule ?? "";
  let timeZone = cj.spec?.timeZone || "UTC";
  const m = /^(?:CRON_TZ|TZ)=(\S+)\s+(.*)$/.exec(schedule.trim());
  if (m) [, timeZone, schedule] = m;
  // Throws a RangeError for unknown zones, which the caller reports like a bad schedule.
  new Intl.DateTimeFormat("en-US", { timeZone });
  return { cron: parseCron(schedule), timeZone };
}

/** The wall-clock time in `tz` at instant `ms`, expressed as if it were UTC. */
function toWall(ms: number, tz: string): number {
  if (tz === "UTC") return ms;
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone: tz, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric",
  }).formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return Date.UTC(get("year"), get("month") - 1, get("day"), get("hour"), get("minute"), get("second")) + (ms % 1000);
}

/** The instant whose wall-clock time in `tz` is `wall` (the first of two around DST changes). */
function fromWall(wall: number, tz: string): number {
  if (tz === "UTC") return wall;
  let guess = wall - (toWall(wall, tz) - wall);
  guess = wall - (toWall(guess, tz) - guess);
  return guess;
}

/** The first scheduled instant strictly after `afterMs`, or undefined. */
export function nextRun(s: ZonedSchedule, afterMs: number): number | undefined {
  const next = nextCronTime(s.cron, new Date(toWall(afterMs, s.timeZone)));
  return next ? fromWall(next.getTime(), s.timeZone) : undefined;
}

/**
 * The latest scheduled instant in (earliestMs, nowMs], and how many were missed in that
 * window (capped at `cap`); Kubernetes warns after 100 missed runs and starts only the latest.
 */
export function mostRecentRun(s: ZonedSchedule, earliestMs: number, nowMs: number, cap = 100): { at?: number; missed: number } {
  let at: number | undefined;
  let missed = 0;
  for (let t = nextRun(s, earliestMs); t !== undefined && t <= nowMs; t = nextRun(s, t)) {
    at = t;
    if (++missed > cap) {
      // Too many to walk one by one: jump to the window just before now.
      const tail = mostRecentRun(s, Math.max(t, nowMs - 2 * 60 * 60_000), nowMs, Number.MAX_SAFE_INTEGER);
      return { at: tail.at ?? at, missed };
    }
  }
  return { at, missed };
}

/** `<cronjob>-<minutes since the epoch of the scheduled time>`: stable, so a retried create is idempotent. */
export const jobNameFor = (cj: CronJob, scheduledMs: number): string => `${cj.metadata.name}-${Math.floor(scheduledMs / 60_000)}`;
