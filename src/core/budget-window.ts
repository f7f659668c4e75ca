import type { ScopeKey } from './scope.js';
import type { WindowKind } from './store.js';
import { WardenError } from './warden-error.js';

/** Windows with bounds in time: aligned to the calendar, or 'total' (never ends). */
export type CalendarWindowKind = Extract<WindowKind, 'hour' | 'day' | 'week' | 'month' | 'total'>;

/** Every CalendarWindowKind, e.g. for a config enum. */
export const calendarWindowKinds: readonly CalendarWindowKind[] = ['hour', 'day', 'week', 'month', 'total'];

/** Day of the week as Date.getDay() counts it: 0 is Sunday, 1 Monday, … 6 Saturday. */
export type Weekday = 0 | 1 | 2 | 3 | 4 | 5 | 6;

/** One window instance: the instants [startInMs, endInMs) and the local calendar label. */
export interface WindowBounds {
  window: CalendarWindowKind;
  startInMs: number;
  endInMs: number;
  /** `2026-11-22T14` (hour), `2026-11-22` (day), the week's first day, `2026-11` (month), `all`. */
  label: string;
}

/** Input of windowBounds; the zone defaults to UTC and weeks to Monday starts. */
export interface WindowBoundsOptions {
  window: CalendarWindowKind;
  timeInMs: number;
  /** IANA time zone the calendar is read in. */
  timeZone?: string;
  weekStartsOn?: Weekday;
}

/**
 * End of the 'total' window: the last instant a Date can hold (year 275760). A safe integer
 * that fits 64-bit integer columns and stays a valid timestamp for stores that convert it.
 */
export const endOfTimeInMs = 8_640_000_000_000_000;

const hourInMs = 3_600_000;
const dayInMs = 86_400_000;
const totalBounds: WindowBounds = Object.freeze({ window: 'total', startInMs: 0, endInMs: endOfTimeInMs, label: 'all' });

/**
 * The window instance containing `timeInMs`, aligned to the calendar in `timeZone`. A local
 * day is every instant whose local date is that day, so DST days last 23, 23.5, 24.5 or 25 hours.
 * @example windowBounds({ window: 'day', timeInMs: clock.now(), timeZone: 'Asia/Tokyo' })
 */
export function windowBounds(options: WindowBoundsOptions): WindowBounds {
  const { window, timeInMs, timeZone = 'UTC', weekStartsOn = 1 } = options;
  const calendar = zoneCalendar(timeZone);
  if (window === 'total') return totalBounds;
  if (!Number.isFinite(timeInMs)) {
    throw new WardenError('invalid_request', `windowBounds: timeInMs must be a finite number, got ${timeInMs}.`);
  }
  const { startWallInMs, nextWallInMs, label } = wallRange(window, calendar.fieldsAt(timeInMs), weekStartsOn);
  const startInMs = calendar.firstInstantOfWall(startWallInMs);
  const endInMs =
    calendar.instantsOfWall(nextWallInMs).find((instant) => instant > timeInMs) ?? calendar.firstInstantOfWall(nextWallInMs);
  return Object.freeze({ window, startInMs, endInMs, label });
}

/** The store key of a scope's counter in one window instance: `team:research|day|2026-11-22`. */
export function budgetLineKey(scope: ScopeKey, bounds: Pick<WindowBounds, 'window' | 'label'>): string {
  return `${scope}|${bounds.window}|${bounds.label}`;
}

/** Remembers the current window per kind for one zone, so the hot path is two comparisons. */
export interface WindowCache {
  readonly timeZone: string;
  boundsAt(window: CalendarWindowKind, timeInMs: number): WindowBounds;
}

/** Creates a WindowCache; an unknown time zone throws here, at configuration time. */
export function createWindowCache(options: { timeZone?: string; weekStartsOn?: Weekday } = {}): WindowCache {
  const { timeZone = 'UTC', weekStartsOn = 1 } = options;
  const canonical = zoneCalendar(timeZone).timeZone;
  const current: Partial<Record<CalendarWindowKind, WindowBounds>> = {};
  return {
    timeZone: canonical,
    boundsAt(window, timeInMs) {
      const cached = current[window];
      if (cached !== undefined && timeInMs >= cached.startInMs && timeInMs < cached.endInMs) return cached;
      const bounds = windowBounds({ window, timeInMs, timeZone, weekStartsOn });
      current[window] = bounds;
      return bounds;
    },
  };
}

/**
 * The canonical IANA name of a time zone ("asia/tokyo" → "Asia/Tokyo"). Throws
 * WardenError('invalid_config') naming the zone when the runtime does not know it.
 */
export function canonicalTimeZone(timeZone: string): string {
  return zoneCalendar(timeZone).timeZone;
}

interface WallFields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

interface WallRange {
  startWallInMs: number;
  nextWallInMs: number;
  label: string;
}

/** Wall times are written as if they were UTC instants, so Date.UTC does calendar arithmetic. */
function wallRange(window: Exclude<CalendarWindowKind, 'total'>, local: WallFields, weekStartsOn: Weekday): WallRange {
  const dayStart = wallToMs(local.year, local.month, local.day, 0);
  switch (window) {
    case 'hour': {
      const startWallInMs = dayStart + local.hour * hourInMs;
      return { startWallInMs, nextWallInMs: startWallInMs + hourInMs, label: `${dateLabel(local)}T${pad(local.hour, 2)}` };
    }
    case 'day':
      return { startWallInMs: dayStart, nextWallInMs: dayStart + dayInMs, label: dateLabel(local) };
    case 'week': {
      const daysIntoWeek = (new Date(dayStart).getUTCDay() - weekStartsOn + 7) % 7;
      const startWallInMs = dayStart - daysIntoWeek * dayInMs;
      return { startWallInMs, nextWallInMs: startWallInMs + 7 * dayInMs, label: dateLabel(utcDateOf(startWallInMs)) };
    }
    case 'month':
      return {
        startWallInMs: wallToMs(local.year, local.month, 1, 0),
        nextWallInMs: wallToMs(local.year, local.month + 1, 1, 0),
        label: `${pad(local.year, 4)}-${pad(local.month, 2)}`,
      };
  }
}

function wallToMs(year: number, month: number, day: number, hour: number, minute = 0, second = 0): number {
  const wallInMs = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC reads years 0–99 as 1900–1999.
  if (year >= 0 && year < 100) return new Date(wallInMs).setUTCFullYear(year);
  return wallInMs;
}

function utcDateOf(timeInMs: number): Pick<WallFields, 'year' | 'month' | 'day'> {
  const date = new Date(timeInMs);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

function dateLabel(date: Pick<WallFields, 'year' | 'month' | 'day'>): string {
  return `${pad(date.year, 4)}-${pad(date.month, 2)}-${pad(date.day, 2)}`;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

interface ZoneCalendar {
  readonly timeZone: string;
  fieldsAt(timeInMs: number): WallFields;
  /** Every instant whose wall clock reads exactly `wallInMs`, earliest first (0, 1 or 2). */
  instantsOfWall(wallInMs: number): number[];
  /** The first instant whose wall clock reaches `wallInMs`: the transition, when it is in a gap. */
  firstInstantOfWall(wallInMs: number): number;
}

const calendars = new Map<string, ZoneCalendar>();

function zoneCalendar(timeZone: string): ZoneCalendar {
  let calendar = calendars.get(timeZone);
  if (calendar === undefined) {
    calendar = createZoneCalendar(timeZone);
    calendars.set(timeZone, calendar);
  }
  return calendar;
}

function createZoneCalendar(timeZone: string): ZoneCalendar {
  const format = createFormat(timeZone);
  const canonical = format.resolvedOptions().timeZone;
  if (canonical === 'UTC' || canonical === 'Etc/UTC') {
    return {
      timeZone: canonical,
      fieldsAt: (timeInMs) => utcFieldsOf(new Date(timeInMs)),
      instantsOfWall: (wallInMs) => [wallInMs],
      firstInstantOfWall: (wallInMs) => wallInMs,
    };
  }
  const fieldsAt = (timeInMs: number): WallFields => {
    const fields: WallFields = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
    for (const part of format.formatToParts(timeInMs)) {
      if (part.type === 'year' || part.type === 'month' || part.type === 'day' || part.type === 'minute' || part.type === 'second') {
        fields[part.type] = Number(part.value);
      } else if (part.type === 'hour') {
        // Some ICU versions write midnight as "24" even with hourCycle h23.
        fields.hour = Number(part.value) % 24;
      }
    }
    return fields;
  };
  const offsetAt = (timeInMs: number): number => {
    const { year, month, day, hour, minute, second } = fieldsAt(timeInMs);
    const wholeSecondInMs = timeInMs - (((timeInMs % 1000) + 1000) % 1000);
    return wallToMs(year, month, day, hour, minute, second) - wholeSecondInMs;
  };
  // As in the Temporal reference code: no zone has two transitions within a day of each
  // other, so the offsets a day either side give every instant a wall time can map to.
  const instantsOfWall = (wallInMs: number): number[] => {
    const offsetBefore = offsetAt(wallInMs - dayInMs);
    const offsetAfter = offsetAt(wallInMs + dayInMs);
    if (offsetBefore === offsetAfter) return [wallInMs - offsetBefore];
    return [wallInMs - offsetBefore, wallInMs - offsetAfter]
      .sort((a, b) => a - b)
      .filter((instant) => instant + offsetAt(instant) === wallInMs);
  };
  const firstInstantOfWall = (wallInMs: number): number => {
    const [first] = instantsOfWall(wallInMs);
    if (first !== undefined) return first;
    // In a gap the transition lies in (low, high]; offsets are whole seconds but search to the ms.
    const offsetBefore = offsetAt(wallInMs - dayInMs);
    const offsetAfter = offsetAt(wallInMs + dayInMs);
    let low = wallInMs - Math.max(offsetBefore, offsetAfter);
    let high = wallInMs - Math.min(offsetBefore, offsetAfter);
    while (high - low > 1) {
      const middle = low + Math.floor((high - low) / 2);
      if (middle + offsetAt(middle) >= wallInMs) high = middle;
      else low = middle;
    }
    return high;
  };
  return { timeZone: canonical, fieldsAt, instantsOfWall, firstInstantOfWall };
}

function createFormat(timeZone: string): Intl.DateTimeFormat {
  try {
    return new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new WardenError(
      'invalid_config',
      `timeZone: unknown time zone ${JSON.stringify(timeZone)}. Use an IANA name such as "Europe/Berlin", "America/New_York" or "UTC".`,
      { details: { timeZone }, cause: error },
    );
  }
}

function utcFieldsOf(date: Date): WallFields {
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
  };
}
