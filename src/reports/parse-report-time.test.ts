import { describe, expect, it } from 'vitest';
import { parseReportPeriod, parseReportTime } from './parse-report-time.js';

const nowInMs = Date.UTC(2026, 10, 25, 12, 0, 0);

describe('parseReportTime', () => {
  it('reads durations back from now, now, UTC dates and zoned ISO times', () => {
    const at = (text: string) => parseReportTime(text, { nowInMs, where: '--since' });
    expect(at('30d')).toBe(nowInMs - 30 * 86_400_000);
    expect(at('12h')).toBe(nowInMs - 12 * 3_600_000);
    expect(at('90m')).toBe(nowInMs - 90 * 60_000);
    expect(at('2w')).toBe(nowInMs - 14 * 86_400_000);
    expect(at('now')).toBe(nowInMs);
    expect(at('2026-11-01')).toBe(Date.UTC(2026, 10, 1));
    expect(at('2026-11-01T09:30+01:00')).toBe(Date.UTC(2026, 10, 1, 8, 30));
  });

  it('names the field and the accepted forms when the text is not a time', () => {
    expect(() => parseReportTime('last week', { nowInMs, where: '--since' })).toThrow('--since: "last week" is not a time; use a duration back from now like 30d');
    expect(() => parseReportTime('2026-13-45', { nowInMs, where: '--since' })).toThrow('is not a time');
    expect(() => parseReportTime('2026-11-01T09:00', { nowInMs, where: '--since' })).toThrow('is not a time');
  });
});

describe('parseReportPeriod', () => {
  it('defaults to the last 30 days and refuses a period that ends before it starts', () => {
    expect(parseReportPeriod({ nowInMs })).toEqual({ sinceInMs: nowInMs - 30 * 86_400_000, untilInMs: nowInMs });
    expect(() => parseReportPeriod({ since: '1d', until: '2d', nowInMs })).toThrow('must be before --until');
  });
});
