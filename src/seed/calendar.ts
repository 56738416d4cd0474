// Local days in a store's time zone, without formatting a date per row: a sale is generated as
// (local day, minute of the business day), and turned into a UTC instant with the zone's offset
// for that day, computed once per (zone, day). Business hours start after 03:00 local, past any
// DST switch (02:00 in US zones), so one offset per day is exact for every sale of that day, and
// the sale's business_date is the local day it was generated on.

export const DAY_MS = 86_400_000;
export const HOUR_MS = 3_600_000;
export const MINUTE_MS = 60_000;

/** Days since 1970-01-01 of the UTC date of an instant (or of a Y-M-D read as UTC). */
export function epochDayOf(ms: number): number {
  return Math.floor(ms / DAY_MS);
}

/** "YYYY-MM-DD" of an epoch day. */
export function isoDate(epochDay: number): string {
  return new Date(epochDay * DAY_MS).toISOString().slice(0, 10);
}

/** 0 = Sunday ... 6 = Saturday (1970-01-01 was a Thursday). */
export function weekdayOf(epochDay: number): number {
  return (((epochDay + 4) % 7) + 7) % 7;
}

export class ZoneClock {
  readonly timeZone: string;
  private readonly formatter: Intl.DateTimeFormat;
  private readonly offsets = new Map<number, number>();

  constructor(timeZone: string) {
    this.timeZone = timeZone;
    this.formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
  }

  /** Wall-clock time of `ms` in this zone, read as if it were UTC (ms). */
  private wallClock(ms: number): number {
    const parts: Record<string, number> = {};
    for (const p of this.formatter.formatToParts(ms)) if (p.type !== "literal") parts[p.type] = Number(p.value);
    return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  }

  /** local - UTC, in ms (negative in the Americas), valid from 03:00 local on that day. */
  offsetForDay(epochDay: number): number {
    let offset = this.offsets.get(epochDay);
    if (offset === undefined) {
      // 18:00 UTC is daytime (after 02:00 local) on the same calendar day in every US zone.
      const probe = epochDay * DAY_MS + 18 * HOUR_MS;
      offset = this.wallClock(probe) - Math.floor(probe / 1000) * 1000;
      this.offsets.set(epochDay, offset);
    }
    return offset;
  }

  /** The UTC instant of local time `localMs` (ms since local midnight, from 03:00 on) of local day `epochDay`. */
  instant(epochDay: number, localMs: number): number {
    return epochDay * DAY_MS + localMs - this.offsetForDay(epochDay);
  }
}

/** The fourth Thursday of November (US Thanksgiving) of a year, as an epoch day. */
function thanksgiving(year: number): number {
  const first = epochDayOf(Date.UTC(year, 10, 1));
  const toThursday = (4 - weekdayOf(first) + 7) % 7;
  return first + toThursday + 21;
}

const thanksgivingCache = new Map<number, number>();

/**
 * How busy a date is compared with an ordinary day of its weekday: 4/20 is the industry's
 * busiest day, "Green Wednesday" (the eve of Thanksgiving) the second; holidays are quiet.
 */
export function holidayFactor(epochDay: number): number {
  const d = new Date(epochDay * DAY_MS);
  const year = d.getUTCFullYear();
  const md = (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
  let tg = thanksgivingCache.get(year);
  if (tg === undefined) {
    tg = thanksgiving(year);
    thanksgivingCache.set(year, tg);
  }
  if (epochDay === tg - 1) return 1.9;
  if (epochDay === tg) return 0.5;
  if (epochDay === tg + 1) return 1.3;
  switch (md) {
    case 420:
      return 3.2;
    case 419:
      return 1.3;
    case 1224:
      return 1.25;
    case 1225:
      return 0.35;
    case 1231:
      return 1.4;
    case 101:
      return 0.7;
    case 703:
      return 1.3;
    case 704:
      return 0.9;
    default:
      return 1;
  }
}

/** Relative traffic by weekday, Sunday first: Friday and Saturday are the big days. */
export const WEEKDAY_FACTOR: readonly number[] = [1.05, 0.8, 0.82, 0.88, 0.98, 1.3, 1.32];

/** Relative traffic by local hour (0-23): a lunch bump and an after-work peak. */
export const WEEKDAY_HOURS: readonly number[] = [
  0, 0, 0, 0, 0, 0, 0.1, 0.2, 0.3, 0.5, 0.6, 0.75, 0.9, 0.85, 0.85, 1.0, 1.3, 1.55, 1.45, 1.1, 0.8, 0.5, 0.3, 0.1,
];
/** Weekends start earlier and are flatter through the afternoon. */
export const WEEKEND_HOURS: readonly number[] = [
  0, 0, 0, 0, 0, 0, 0.1, 0.2, 0.35, 0.6, 0.9, 1.1, 1.25, 1.3, 1.3, 1.3, 1.35, 1.4, 1.25, 1.0, 0.75, 0.5, 0.3, 0.1,
];
