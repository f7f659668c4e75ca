import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  budgetLineKey,
  canonicalTimeZone,
  createWindowCache,
  endOfTimeInMs,
  windowBounds,
  type CalendarWindowKind,
} from './budget-window.js';
import { WardenError } from './warden-error.js';

const hourInMs = 3_600_000;
const iso = (text: string): number => Date.parse(text);
const bounds = (window: CalendarWindowKind, time: string, timeZone: string) =>
  windowBounds({ window, timeInMs: iso(time), timeZone });
const durationInHours = (window: { startInMs: number; endInMs: number }) => (window.endInMs - window.startInMs) / hourInMs;

describe('windowBounds in UTC', () => {
  it('aligns hour, day, week (Monday) and month to the UTC calendar by default', () => {
    const timeInMs = iso('2026-11-22T14:35:10.250Z');
    expect(windowBounds({ window: 'hour', timeInMs })).toEqual({
      window: 'hour',
      startInMs: iso('2026-11-22T14:00:00Z'),
      endInMs: iso('2026-11-22T15:00:00Z'),
      label: '2026-11-22T14',
    });
    expect(windowBounds({ window: 'day', timeInMs })).toMatchObject({
      startInMs: iso('2026-11-22T00:00:00Z'),
      endInMs: iso('2026-11-23T00:00:00Z'),
      label: '2026-11-22',
    });
    // 2026-11-22 is a Sunday: it belongs to the week that began on Monday the 16th.
    expect(windowBounds({ window: 'week', timeInMs })).toMatchObject({
      startInMs: iso('2026-11-16T00:00:00Z'),
      endInMs: iso('2026-11-23T00:00:00Z'),
      label: '2026-11-16',
    });
    expect(windowBounds({ window: 'month', timeInMs })).toMatchObject({
      startInMs: iso('2026-11-01T00:00:00Z'),
      endInMs: iso('2026-12-01T00:00:00Z'),
      label: '2026-11',
    });
  });

  it('starts weeks on the configured weekday', () => {
    const sundayStart = windowBounds({ window: 'week', timeInMs: iso('2026-11-22T14:00:00Z'), weekStartsOn: 0 });
    expect(sundayStart).toMatchObject({ startInMs: iso('2026-11-22T00:00:00Z'), label: '2026-11-22' });
    const saturdayStart = windowBounds({ window: 'week', timeInMs: iso('2026-11-20T14:00:00Z'), weekStartsOn: 6 });
    expect(saturdayStart).toMatchObject({ startInMs: iso('2026-11-14T00:00:00Z'), endInMs: iso('2026-11-21T00:00:00Z') });
  });

  it('crosses the year end in week and month windows', () => {
    const week = bounds('week', '2026-12-31T12:00:00Z', 'UTC');
    expect(week).toMatchObject({ startInMs: iso('2026-12-28T00:00:00Z'), endInMs: iso('2027-01-04T00:00:00Z') });
    const month = bounds('month', '2026-12-31T23:59:59.999Z', 'UTC');
    expect(month).toMatchObject({ endInMs: iso('2027-01-01T00:00:00Z'), label: '2026-12' });
  });

  it('knows month lengths and leap years', () => {
    expect(durationInHours(bounds('month', '2028-02-29T10:00:00Z', 'UTC'))).toBe(29 * 24);
    expect(durationInHours(bounds('month', '2026-02-10T10:00:00Z', 'UTC'))).toBe(28 * 24);
    expect(durationInHours(bounds('month', '2100-02-10T10:00:00Z', 'UTC'))).toBe(28 * 24);
    expect(durationInHours(bounds('month', '2000-02-10T10:00:00Z', 'UTC'))).toBe(29 * 24);
    expect(durationInHours(bounds('month', '2026-04-30T23:00:00Z', 'UTC'))).toBe(30 * 24);
  });

  it('gives the total window a fixed start and a far-future end that fits a number column', () => {
    const total = windowBounds({ window: 'total', timeInMs: iso('2026-11-22T00:00:00Z'), timeZone: 'Asia/Tokyo' });
    expect(total).toEqual({ window: 'total', startInMs: 0, endInMs: endOfTimeInMs, label: 'all' });
    expect(Number.isSafeInteger(endOfTimeInMs)).toBe(true);
    expect(new Date(endOfTimeInMs).getUTCFullYear()).toBe(275760);
  });
});

describe('windowBounds in other time zones', () => {
  it('rolls the Asia/Tokyo day over at 15:00 UTC', () => {
    const before = bounds('day', '2026-11-22T14:59:59.999Z', 'Asia/Tokyo');
    const after = bounds('day', '2026-11-22T15:00:00.000Z', 'Asia/Tokyo');
    expect(before).toMatchObject({ label: '2026-11-22', endInMs: iso('2026-11-22T15:00:00Z') });
    expect(after).toMatchObject({ label: '2026-11-23', startInMs: iso('2026-11-22T15:00:00Z') });
  });

  it('rolls the America/New_York day over at 05:00 UTC in winter and 04:00 UTC in summer', () => {
    expect(bounds('day', '2026-01-15T04:59:59Z', 'America/New_York').label).toBe('2026-01-14');
    expect(bounds('day', '2026-01-15T05:00:00Z', 'America/New_York')).toMatchObject({
      label: '2026-01-15',
      startInMs: iso('2026-01-15T05:00:00Z'),
    });
    expect(bounds('day', '2026-07-15T03:59:59Z', 'America/New_York').label).toBe('2026-07-14');
    expect(bounds('day', '2026-07-15T04:00:00Z', 'America/New_York')).toMatchObject({
      label: '2026-07-15',
      startInMs: iso('2026-07-15T04:00:00Z'),
    });
  });

  it('makes the America/New_York DST days 23 and 25 hours long', () => {
    const springForward = bounds('day', '2026-03-08T12:00:00Z', 'America/New_York');
    expect(springForward).toMatchObject({ startInMs: iso('2026-03-08T05:00:00Z'), endInMs: iso('2026-03-09T04:00:00Z') });
    expect(durationInHours(springForward)).toBe(23);
    const fallBack = bounds('day', '2026-11-01T12:00:00Z', 'America/New_York');
    expect(fallBack).toMatchObject({ startInMs: iso('2026-11-01T04:00:00Z'), endInMs: iso('2026-11-02T05:00:00Z') });
    expect(durationInHours(fallBack)).toBe(25);
  });

  it('treats the repeated 01:00 hour of a fall-back night as one two-hour window with one label', () => {
    const firstPass = bounds('hour', '2026-11-01T05:30:00Z', 'America/New_York');
    const secondPass = bounds('hour', '2026-11-01T06:30:00Z', 'America/New_York');
    expect(firstPass).toEqual(secondPass);
    expect(firstPass).toMatchObject({
      label: '2026-11-01T01',
      startInMs: iso('2026-11-01T05:00:00Z'),
      endInMs: iso('2026-11-01T07:00:00Z'),
    });
  });

  it('skips the missing 02:00 hour of a spring-forward night', () => {
    expect(bounds('hour', '2026-03-08T06:59:59Z', 'America/New_York')).toMatchObject({
      label: '2026-03-08T01',
      endInMs: iso('2026-03-08T07:00:00Z'),
    });
    expect(bounds('hour', '2026-03-08T07:00:00Z', 'America/New_York')).toMatchObject({
      label: '2026-03-08T03',
      startInMs: iso('2026-03-08T07:00:00Z'),
      endInMs: iso('2026-03-08T08:00:00Z'),
    });
  });

  it('follows the 30-minute DST shift of Australia/Lord_Howe', () => {
    // 2026-10-04 02:00 (+10:30) jumps to 02:30 (+11:00).
    const shortDay = bounds('day', '2026-10-04T01:00:00Z', 'Australia/Lord_Howe');
    expect(shortDay).toMatchObject({ startInMs: iso('2026-10-03T13:30:00Z'), endInMs: iso('2026-10-04T13:00:00Z') });
    expect(durationInHours(shortDay)).toBe(23.5);
    expect(bounds('hour', '2026-10-03T15:45:00Z', 'Australia/Lord_Howe')).toMatchObject({
      label: '2026-10-04T02',
      startInMs: iso('2026-10-03T15:30:00Z'),
      endInMs: iso('2026-10-03T16:00:00Z'),
    });
    // 2026-04-05 02:00 (+11:00) falls back to 01:30 (+10:30).
    const longDay = bounds('day', '2026-04-05T01:00:00Z', 'Australia/Lord_Howe');
    expect(longDay).toMatchObject({ startInMs: iso('2026-04-04T13:00:00Z'), endInMs: iso('2026-04-05T13:30:00Z') });
    expect(durationInHours(longDay)).toBe(24.5);
    expect(durationInHours(bounds('hour', '2026-04-04T15:15:00Z', 'Australia/Lord_Howe'))).toBe(1.5);
  });

  it('aligns to half- and quarter-hour offsets (Asia/Kolkata +5:30, Pacific/Chatham +12:45/+13:45)', () => {
    expect(bounds('day', '2026-11-22T10:00:00Z', 'Asia/Kolkata')).toMatchObject({
      label: '2026-11-22',
      startInMs: iso('2026-11-21T18:30:00Z'),
      endInMs: iso('2026-11-22T18:30:00Z'),
    });
    expect(bounds('hour', '2026-11-22T10:00:00Z', 'Asia/Kolkata')).toMatchObject({
      label: '2026-11-22T15',
      startInMs: iso('2026-11-22T09:30:00Z'),
    });
    expect(bounds('day', '2026-11-22T00:00:00Z', 'Pacific/Chatham')).toMatchObject({
      label: '2026-11-22',
      startInMs: iso('2026-11-21T10:15:00Z'),
    });
    expect(bounds('month', '2026-07-10T00:00:00Z', 'Pacific/Chatham')).toMatchObject({
      label: '2026-07',
      startInMs: iso('2026-06-30T11:15:00Z'),
      endInMs: iso('2026-07-31T11:15:00Z'),
    });
  });

  it('starts a day at the transition when local midnight does not exist (America/Sao_Paulo 2018)', () => {
    // 2018-11-04 00:00 (-03:00) jumped to 01:00 (-02:00).
    expect(bounds('day', '2018-11-04T12:00:00Z', 'America/Sao_Paulo')).toMatchObject({
      label: '2018-11-04',
      startInMs: iso('2018-11-04T03:00:00Z'),
    });
    expect(bounds('day', '2018-11-03T12:00:00Z', 'America/Sao_Paulo').endInMs).toBe(iso('2018-11-04T03:00:00Z'));
  });

  it('keeps a DST change inside a month window', () => {
    const march = bounds('month', '2026-03-20T00:00:00Z', 'America/New_York');
    expect(march).toMatchObject({ startInMs: iso('2026-03-01T05:00:00Z'), endInMs: iso('2026-04-01T04:00:00Z') });
    // Berlin leaves summer time on Sunday 2026-10-25, the last day of this week.
    const week = bounds('week', '2026-10-25T12:00:00Z', 'Europe/Berlin');
    expect(week).toMatchObject({ label: '2026-10-19', startInMs: iso('2026-10-18T22:00:00Z'), endInMs: iso('2026-10-25T23:00:00Z') });
    expect(durationInHours(week)).toBe(7 * 24 + 1);
  });

  it('accepts any spelling the runtime resolves and reports the canonical name', () => {
    expect(canonicalTimeZone('asia/tokyo')).toBe('Asia/Tokyo');
    expect(bounds('day', '2026-11-22T15:00:00Z', 'asia/tokyo').label).toBe('2026-11-23');
  });

  it('rejects an unknown time zone with invalid_config, naming it and suggesting a valid one', () => {
    const attempt = () => windowBounds({ window: 'day', timeInMs: 0, timeZone: 'Europe/Berln' });
    expect(attempt).toThrow(WardenError);
    expect(attempt).toThrow(/"Europe\/Berln".*"Europe\/Berlin"/);
    try {
      attempt();
    } catch (error) {
      expect(error).toMatchObject({ code: 'invalid_config', details: { timeZone: 'Europe/Berln' } });
    }
  });

  it('rejects a time that is not a finite number', () => {
    expect(() => windowBounds({ window: 'day', timeInMs: Number.NaN })).toThrow(/finite/);
  });
});

describe('windowBounds invariants', () => {
  const zones = ['America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'Pacific/Chatham', 'Europe/London', 'America/Sao_Paulo'];
  const labelFormats = new Map<string, Intl.DateTimeFormat>();
  // An independent reading of the local calendar, to check each window against.
  const localLabel = (window: CalendarWindowKind, timeInMs: number, timeZone: string): string => {
    let format = labelFormats.get(timeZone);
    if (format === undefined) {
      format = new Intl.DateTimeFormat('en-CA', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit' });
      labelFormats.set(timeZone, format);
    }
    const parts = Object.fromEntries(format.formatToParts(timeInMs).map((part) => [part.type, part.value]));
    const date = `${parts.year}-${parts.month}-${parts.day}`;
    if (window === 'hour') return `${date}T${parts.hour}`;
    if (window === 'month') return date.slice(0, 7);
    return date;
  };

  it('contains the instant, and the local calendar changes exactly at both ends', () => {
    const windows = ['hour', 'day', 'month'] as const;
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2015, 0, 1), max: Date.UTC(2035, 0, 1) }),
        fc.constantFrom(...zones),
        fc.constantFrom(...windows),
        (timeInMs, timeZone, window) => {
          const { startInMs, endInMs, label } = windowBounds({ window, timeInMs, timeZone });
          expect(startInMs).toBeLessThanOrEqual(timeInMs);
          expect(endInMs).toBeGreaterThan(timeInMs);
          expect(localLabel(window, timeInMs, timeZone)).toBe(label);
          expect(localLabel(window, startInMs, timeZone)).toBe(label);
          expect(localLabel(window, endInMs - 1, timeZone)).toBe(label);
          expect(localLabel(window, startInMs - 1, timeZone)).not.toBe(label);
          expect(localLabel(window, endInMs, timeZone)).not.toBe(label);
        },
      ),
      { numRuns: 400, seed: 20261122 },
    );
  });

  it('holds every 10 minutes around DST transitions', () => {
    const transitions: Array<[string, string]> = [
      ['America/New_York', '2026-03-08T07:00:00Z'],
      ['America/New_York', '2026-11-01T06:00:00Z'],
      ['Australia/Lord_Howe', '2026-04-04T15:00:00Z'],
      ['Australia/Lord_Howe', '2026-10-03T15:30:00Z'],
      ['Pacific/Chatham', '2026-04-04T14:00:00Z'],
      ['Pacific/Chatham', '2026-09-26T14:00:00Z'],
      ['Europe/London', '2026-10-25T01:00:00Z'],
      ['America/Sao_Paulo', '2018-02-18T02:00:00Z'],
      ['America/Sao_Paulo', '2018-11-04T03:00:00Z'],
    ];
    for (const [timeZone, transition] of transitions) {
      for (let timeInMs = iso(transition) - 30 * hourInMs; timeInMs <= iso(transition) + 30 * hourInMs; timeInMs += 600_000) {
        for (const window of ['hour', 'day'] as const) {
          const { startInMs, endInMs, label } = windowBounds({ window, timeInMs, timeZone });
          expect(startInMs <= timeInMs && timeInMs < endInMs).toBe(true);
          expect([localLabel(window, startInMs, timeZone), localLabel(window, endInMs - 1, timeZone)]).toEqual([label, label]);
          expect(localLabel(window, startInMs - 1, timeZone)).not.toBe(label);
          expect(localLabel(window, endInMs, timeZone)).not.toBe(label);
        }
      }
    }
  });
});

describe('budgetLineKey', () => {
  it('names the scope, the window and the local label', () => {
    const day = bounds('day', '2026-11-22T10:00:00Z', 'Asia/Tokyo');
    expect(budgetLineKey('team:research', day)).toBe('team:research|day|2026-11-22');
    expect(budgetLineKey('key:ci-bot', bounds('hour', '2026-11-22T10:00:00Z', 'UTC'))).toBe('key:ci-bot|hour|2026-11-22T10');
    expect(budgetLineKey('org:acme', windowBounds({ window: 'total', timeInMs: 0 }))).toBe('org:acme|total|all');
  });
});

describe('createWindowCache', () => {
  it('returns the same window until it ends, then the next one', () => {
    const cache = createWindowCache({ timeZone: 'Asia/Tokyo' });
    const first = cache.boundsAt('day', iso('2026-11-22T01:00:00Z'));
    expect(cache.boundsAt('day', iso('2026-11-22T14:59:59.999Z'))).toBe(first);
    const next = cache.boundsAt('day', iso('2026-11-22T15:00:00Z'));
    expect(next).not.toBe(first);
    expect(next).toMatchObject({ label: '2026-11-23', startInMs: first.endInMs });
  });

  it('keeps one current window per kind and recomputes when time goes backwards', () => {
    const cache = createWindowCache({ timeZone: 'America/New_York', weekStartsOn: 0 });
    const timeInMs = iso('2026-11-22T12:00:00Z');
    expect(cache.boundsAt('hour', timeInMs).label).toBe('2026-11-22T07');
    expect(cache.boundsAt('week', timeInMs).label).toBe('2026-11-22');
    expect(cache.boundsAt('hour', timeInMs).label).toBe('2026-11-22T07');
    expect(cache.boundsAt('day', iso('2026-11-20T12:00:00Z')).label).toBe('2026-11-20');
    expect(cache.boundsAt('day', iso('2026-11-19T12:00:00Z')).label).toBe('2026-11-19');
  });

  it('hands out windows that callers cannot change', () => {
    const cache = createWindowCache();
    const window = cache.boundsAt('day', 0);
    expect(Object.isFrozen(window)).toBe(true);
    expect(cache.timeZone).toBe('UTC');
  });

  it('rejects an unknown time zone when it is created', () => {
    expect(() => createWindowCache({ timeZone: 'Mars/Olympus_Mons' })).toThrow(/Mars\/Olympus_Mons/);
  });
});
