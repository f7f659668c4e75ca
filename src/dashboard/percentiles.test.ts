import { describe, expect, it } from 'vitest';
import { logHistogram, percentile } from './percentiles.js';

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, index) => index + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([], 50)).toBe(0);
  });
});

describe('logHistogram', () => {
  it('buckets values on 1-2-5 edges that span them', () => {
    expect(logHistogram([3, 30, 40])).toEqual({ edges: [2, 5, 10, 20, 50], counts: [1, 0, 0, 2] });
    expect(logHistogram([1_000, 1_999, 2_000])).toEqual({ edges: [1_000, 2_000, 5_000], counts: [2, 1] });
  });

  it('counts every positive value once and ignores zero', () => {
    const values = [13_200, 26_400, 1_500_000, 0, 9, 880_000_000];
    const histogram = logHistogram(values);
    expect(histogram.counts.reduce((total, count) => total + count, 0)).toBe(5);
    expect(histogram.edges.length).toBe(histogram.counts.length + 1);
    expect(histogram.edges[0]).toBeLessThanOrEqual(9);
    expect(histogram.edges.at(-1)).toBeGreaterThan(880_000_000);
  });

  it('is empty without values', () => {
    expect(logHistogram([0])).toEqual({ edges: [], counts: [] });
  });
});
