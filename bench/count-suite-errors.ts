import type { SuiteResults } from './suite-results.js';

/** Failed requests and incomplete streams of a run, by workload and subject: every one counts. */
export function countSuiteErrors(results: SuiteResults): { total: number; byWorkload: Record<string, Record<string, number>> } {
  const byWorkload: Record<string, Record<string, number>> = {};
  const add = (workload: string, subject: string, count: number): void => {
    if (count === 0) return;
    byWorkload[workload] ??= {};
    byWorkload[workload][subject] = (byWorkload[workload][subject] ?? 0) + count;
  };
  for (const result of results.W1 ?? []) add('W1', result.subject, result.errors);
  for (const sweep of results.W2 ?? []) for (const point of sweep.points) for (const result of point.subjects) add('W2', result.subject, result.errors);
  for (const result of results.W3 ?? []) add('W3', result.subject, result.errors);
  for (const result of results.W4 ?? []) add('W4', result.subject, result.errors);
  if (results.W5) add('W5', 'warden', results.W5.errors);
  for (const size of results.W6 ?? []) for (const result of size.subjects) add('W6', result.subject, result.errors);
  const total = Object.values(byWorkload).reduce((sum, subjects) => sum + Object.values(subjects).reduce((inner, count) => inner + count, 0), 0);
  return { total, byWorkload };
}
