import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { BenchEnvironment } from '../bench-environment.js';
import { subjectLabels, subjectNames, type SubjectName } from '../subjects/subject-names.js';
import type { SuiteResults } from '../suite-results.js';

const label = (subject: string): string => subjectLabels[subject as SubjectName] ?? subject;
const subjectOrder = subjectNames.map((subject) => subjectLabels[subject]);
// Grey floor and peers, Warden in greens: budgets on dark, budgets off light.
const subjectColors = ['#7f7f7f', '#1f77b4', '#d62728', '#1b7837', '#7fbf7b'];

/**
 * The suite's chart as SVG, rendered headless (Vega's `none` renderer, no browser or canvas):
 * W2 requests/s by connections per subject for each mock, and W1's added latency per subject.
 */
export async function renderSuiteChart(options: { results: SuiteResults; environment: BenchEnvironment; mode: string }): Promise<string> {
  const { results, environment } = options;
  const throughput = (results.W2 ?? []).flatMap((sweep) =>
    sweep.points.flatMap((point) => point.subjects.map((result) => ({ mock: `${sweep.mock} mock`, connections: point.connections, subject: label(result.subject), requestsPerSecond: result.requestsPerSecond.median }))),
  );
  const added = (results.W1 ?? []).flatMap((result) =>
    result.added === undefined
      ? []
      : [
          { subject: label(result.subject), percentile: 'p50', addedInUs: result.added.p50InUs.median },
          { subject: label(result.subject), percentile: 'p99', addedInUs: result.added.p99InUs.median },
        ],
  );
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `Warden gateway suite (${options.mode})`, subtitle: `${environment.cpuModel}, ${environment.cpuCount} CPUs, Node ${environment.node}, commit ${environment.gitCommit}${environment.gitDirty === true ? ' (dirty)' : ''}, ${environment.measuredAt.slice(0, 10)}` },
    background: 'white',
    vconcat: [
      {
        title: 'W2: requests/s by connections (medians of rounds)',
        data: { values: throughput },
        facet: { column: { field: 'mock', type: 'nominal', title: null, sort: ['instant mock', '20 ms mock'] } },
        spec: {
          width: 320,
          height: 220,
          mark: { type: 'line', point: true },
          encoding: {
            x: { field: 'connections', type: 'quantitative', scale: { type: 'log', base: 2 }, axis: { values: [1, 8, 32, 50, 128, 256] } },
            y: { field: 'requestsPerSecond', type: 'quantitative', title: 'requests/s' },
            color: { field: 'subject', type: 'nominal', sort: subjectOrder, title: 'subject', scale: { domain: subjectOrder, range: subjectColors }, legend: { labelLimit: 240 } },
          },
        },
        resolve: { scale: { y: 'independent' } },
      },
      {
        title: 'W1: latency added over direct, one request at a time (µs, medians of rounds)',
        data: { values: added },
        width: 600,
        height: 220,
        mark: 'bar',
        encoding: {
          x: { field: 'subject', type: 'nominal', sort: subjectOrder, title: null, axis: { labelAngle: 0, labelLimit: 240 } },
          xOffset: { field: 'percentile', type: 'nominal' },
          y: { field: 'addedInUs', type: 'quantitative', title: 'added µs' },
          color: { field: 'percentile', type: 'nominal', scale: { range: ['#9ecae1', '#08519c'] }, title: 'percentile' },
        },
      },
    ],
    resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
  };
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
