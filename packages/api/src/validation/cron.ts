/**
 * Standard 5-field cron schedules (minute hour day-of-month month day-of-week), with
 * ranges, steps, lists, month/day names, `?`, and the @hourly-style descriptors that
 * CronJob accepts. `nextCronTime` gives the CronJob controller its next run.
 */

/** A parsed schedule: the allowed values of each field. */
export interface CronSchedule {
  minute: Set<number>;
  hour: Set<number>;
  dayOfMonth: Set<number>;
  month: Set<number>;
  dayOfWeek: Set<number>;
  /** Either day field was restricted: Vixie cron ORs the two day fields when both are. */
  domStar: boolean;
  dowStar: boolean;
}

const DESCRIPTORS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};
const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
const DAYS = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

function parseValue(s: string, names: string[] | undefined, nameBase: number): number {
  const idx = names?.indexOf(s.toLowerCase()) ?? -1;
  if (idx >= 0) return idx + nameBase;
  if (!/^\d+$/.test(s)) throw new Error(`failed to parse int from ${s}`);
  return Number(s);
}

function parseField(field: string, min: number, max: number, names?: string[], nameBase = min): Set<number> {
  const out = new Set<number>();
  for (const part of field.split(",")) {
    const [range, stepStr, extra] = part.split("/");
    if (extra !== undefined) throw new Error(`too many slashes: ${part}`);
    let lo: number;
    let hi: number;
    if (range === "*" || range === "?") {
      lo = min;
      hi = max;
    } else {
      const [a, b, more] = range.split("-");
      if (more !== undefined) throw new Error(`too many hyphens: ${part}`);
      lo = parseValue(a, names, nameBase);
      hi = b === undefined ? (stepStr === undefined ? lo : max) : parseValue(b, names, nameBase);
    }
    const step = stepStr === undefined ? 1 : Number(stepStr);
    if (stepStr !== undefined && (!/^\d+$/.test(stepStr) || step === 0)) throw new Error(`step of range should be a positive number: ${part}`);
    if (lo < min) throw new Error(`beginning of range (${lo}) below minimum (${min}): ${part}`);
    if (hi > max) throw new Error(`end of range (${hi}) above maximum (${max}): ${part}`);
    if (lo > hi) throw new Error(`beginning of range (${lo}) beyond end of range (${hi}): ${part}`);
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

/**
 * Parses a schedule. @throws Error with a message in the style of robfig/cron
 * (`expected exactly 5 fields, found 1: [x]`).
 */
export function parseCron(schedule: string): CronSchedule {
  const trimmed = schedule.trim();
  if (trimmed.startsWith("@")) {
    const d = DESCRIPTORS[trimmed.toLowerCase()];
    if (!d) throw new Error(`unrecognized descriptor: ${trimmed}`);
    return parseCron(d);
  }
  const fields = trimmed.split(/\s+/).filter(Boolean);
  if (fields.length !== 5) throw new Error(`expected exactly 5 fields, found ${fields.length}: [${fields.join(" ")}]`);
  return {
    minute: parseField(fields[0], 0, 59),
    hour: parseField(fields[1], 0, 23),
    dayOfMonth: parseField(fields[2], 1, 31),
    month: parseField(fields[3], 1, 12, MONTHS, 1),
    dayOfWeek: new Set([...parseField(fields[4], 0, 7, DAYS, 0)].map((d) => d % 7)),
    domStar: fields[2] === "*" || fields[2] === "?",
    dowStar: fields[4] === "*" || fields[4] === "?",
  };
}

function dayMatches(s: CronSchedule, d: Date): boolean {
  const dom = s.dayOfMonth.has(d.getUTCDate());
  const dow = s.dayOfWeek.has(d.getUTCDay());
  if (s.domStar || s.dowStar) return dom && dow;
  return dom || dow;
}

/** The first time strictly after `after` (UTC, whole minutes) the schedule fires; undefined if none within 5 years. */
export function nextCronTime(s: CronSchedule, after: Date): Date | undefined {
  const t = new Date(after.getTime());
  t.setUTCSeconds(0, 0);
  t.setUTCMinutes(t.getUTCMinutes() + 1);
  const limit = after.getTime() + 5 * 366 * 24 * 3600 * 1000;
  while (t.getTime() <= limit) {
    if (!s.month.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0);
    } else if (!dayMatches(s, t)) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0);
    } else if (!s.hour.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0);
    } else if (!s.minute.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1);
    } else return t;
  }
  return undefined;
}
