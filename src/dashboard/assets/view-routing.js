// Routing and reliability: outcomes, tiers, cache, refusals, upstream errors, latency split, circuits.
import { cell, h, keyedRows, milliseconds, percent, setText, usd } from './dom.js';

const latencyLabels = { total: 'Total', queue: 'Queue', upstream: 'Upstream', firstToken: 'First token (streams)' };

function countRows(selector, entries, nameField, empty) {
  keyedRows(document.querySelector(`${selector} tbody`), entries, {
    key: (entry) => entry[nameField],
    build: () => h('tr', {}, h('th', { scope: 'row', dataset: { field: 'name' } }), h('td', { class: 'num', dataset: { field: 'count' } })),
    update: (row, entry) => {
      setText(cell(row, 'name'), entry[nameField]);
      setText(cell(row, 'count'), entry.count);
    },
    empty,
  });
}

/** Renders the Routing and reliability view from state.routing. */
export function renderRouting(panel) {
  const { routing } = panel.state;
  setText(document.getElementById('routing-calls'), routing.calls);
  setText(document.getElementById('routing-success'), percent(routing.successRate));
  setText(document.getElementById('routing-cap'), percent(routing.budgetCapHitRate));
  setText(document.getElementById('routing-cache'), percent(routing.cacheHitRate));
  setText(document.getElementById('routing-saved'), usd(routing.cacheSavedInNanoUsd));
  setText(document.getElementById('routing-downgrades'), routing.downgrades);
  setText(document.getElementById('routing-errors'), routing.upstreamErrors);
  setText(document.getElementById('routing-fallbacks'), `${routing.fallbacks} / ${routing.retries}`);
  const tierTotal = routing.tiers.reduce((total, entry) => total + entry.calls, 0);
  keyedRows(document.querySelector('#tier-table tbody'), routing.tiers, {
    key: (entry) => entry.tier,
    build: (entry) => h('tr', {}, h('th', { scope: 'row', dataset: { field: 'tier' } }), h('td', { class: 'num', dataset: { field: 'calls' } }), h('td', { dataset: { field: 'share' } }, h('meter', { min: '0', max: '1', value: '0', 'aria-label': `share of calls on ${entry.tier}` }))),
    update: (row, entry) => {
      setText(cell(row, 'tier'), entry.tier);
      setText(cell(row, 'calls'), entry.calls);
      const meter = cell(row, 'share').querySelector('meter');
      meter.value = tierTotal === 0 ? 0 : entry.calls / tierTotal;
      meter.textContent = percent(meter.value);
      meter.title = percent(meter.value);
    },
    empty: 'No answered call today.',
  });
  keyedRows(document.querySelector('#latency-table tbody'), Object.entries(routing.latency).filter(([, value]) => value !== undefined && value !== null), {
    key: ([part]) => part,
    build: () => h('tr', {}, h('th', { scope: 'row', dataset: { field: 'part' } }), ...['p50', 'p95', 'samples'].map((field) => h('td', { class: 'num', dataset: { field } }))),
    update: (row, [part, value]) => {
      setText(cell(row, 'part'), latencyLabels[part] ?? part);
      setText(cell(row, 'p50'), milliseconds(value.p50));
      setText(cell(row, 'p95'), milliseconds(value.p95));
      setText(cell(row, 'samples'), value.samples);
    },
    empty: 'No answered call yet.',
  });
  countRows('#refusal-table', routing.refusals, 'code', 'No refusal today.');
  countRows('#upstream-error-table', routing.upstreamErrorCodes, 'code', 'No upstream error today.');
  countRows('#downgrade-table', routing.downgradePairs, 'pair', 'No downgrade today.');
  keyedRows(document.querySelector('#circuit-table tbody'), routing.circuits, {
    key: (entry) => entry.upstream,
    build: () => h('tr', {}, h('th', { scope: 'row', dataset: { field: 'upstream' } }), h('td', { dataset: { field: 'state' } })),
    update: (row, entry) => {
      setText(cell(row, 'upstream'), entry.upstream);
      setText(cell(row, 'state'), entry.state);
      cell(row, 'state').className = entry.state === 'closed' ? '' : 'warn';
    },
    empty: 'No upstream has failed yet.',
  });
}
