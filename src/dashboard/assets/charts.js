// Charts with uPlot (served by the gateway from node_modules/uplot): canvas-based, ~50 KB minified,
// no dependencies, built for live time series. Every chart sits beside a table with the same figures.
import { usdShort } from './dom.js';

const palette = ['#1a5fb4', '#c64600', '#26a269', '#9141ac', '#a51d2d', '#986a44', '#5e5c64'];
const charts = new WeakMap();

function widthOf(container) {
  return Math.max(280, container.clientWidth - 8);
}

/** Draws or updates a line chart of spend over time: series [{ name, values }] on a time axis. */
export function spendChart(container, { startInMs, stepInMs, series }) {
  if (typeof uPlot === 'undefined') return;
  const length = series[0]?.values.length ?? 0;
  const xs = Array.from({ length }, (_, index) => (startInMs + index * stepInMs) / 1000);
  const data = [xs, ...series.map((entry) => entry.values.map((nano) => nano / 1e9))];
  const signature = `${stepInMs}|${series.map((entry) => entry.name).join('|')}`;
  const existing = charts.get(container);
  if (existing !== undefined && existing.signature === signature) {
    existing.plot.setData(data);
    return;
  }
  existing?.plot.destroy();
  const plot = new uPlot(
    {
      width: widthOf(container),
      height: 260,
      series: [{}, ...series.map((entry, index) => ({ label: entry.name, stroke: palette[index % palette.length], width: 2, points: { show: false }, value: (_, value) => (value === null ? '–' : usdShort(value * 1e9)) }))],
      scales: { x: { time: true }, y: { range: (_, min, max) => [0, max > 0 ? max * 1.1 : 1e-6] } },
      axes: [{}, { values: (_, ticks) => ticks.map((value) => usdShort(value * 1e9)), size: 80 }],
    },
    data,
    container,
  );
  charts.set(container, { plot, signature });
}

/** Draws or updates a bar chart of task counts per cost bucket (`counts[i]` tasks between edges i and i + 1). */
export function histogramChart(container, { edgesInNanoUsd, counts, label: seriesLabel }) {
  if (typeof uPlot === 'undefined') return;
  const buckets = Math.max(0, edgesInNanoUsd.length - 1);
  const xs = Array.from({ length: buckets }, (_, index) => index);
  const data = [xs, counts];
  const signature = `${edgesInNanoUsd.join(',')}|${seriesLabel}`;
  const existing = charts.get(container);
  if (existing !== undefined && existing.signature === signature) {
    existing.plot.setData(data);
    return;
  }
  existing?.plot.destroy();
  const label = (index) => (index >= 0 && index < buckets ? `${usdShort(edgesInNanoUsd[index])}–${usdShort(edgesInNanoUsd[index + 1])}` : '');
  const bars = uPlot.paths.bars({ size: [0.8, 60], align: 0 });
  // Every bucket has a tick; label only as many as fit.
  const every = Math.max(1, Math.ceil(buckets / Math.floor(widthOf(container) / 140)));
  const plot = new uPlot(
    {
      width: widthOf(container),
      height: 220,
      scales: { x: { time: false, range: [-0.5, Math.max(0.5, buckets - 0.5)] }, y: { range: (_, min, max) => [0, Math.max(1, max)] } },
      series: [
        { label: 'cost per task', value: (_, index) => label(index) },
        { label: seriesLabel, stroke: palette[0], fill: `${palette[0]}99`, paths: bars, points: { show: false } },
      ],
      axes: [
        { splits: () => xs, values: (_, ticks) => ticks.map((tick) => (tick % every === 0 ? usdShort(edgesInNanoUsd[tick]) : '')), size: 40 },
        { size: 40, values: (_, ticks) => ticks.map((tick) => (Number.isInteger(tick) ? String(tick) : '')) },
      ],
    },
    data,
    container,
  );
  charts.set(container, { plot, signature });
}

/** Keeps charts as wide as their containers when the window is resized. */
export function resizeCharts(containers) {
  for (const container of containers) {
    const existing = charts.get(container);
    if (existing !== undefined) existing.plot.setSize({ width: widthOf(container), height: existing.plot.height });
  }
}
