// Budgets: every budget line with spent, reserved, limit, ladder stage, burn and when it runs out.
import { cell, dateTime, duration, h, keyedRows, setText, usd, usdShort } from './dom.js';

function limitText(line) {
  const parts = [];
  if (line.hardInNanoUsd !== undefined) parts.push(`${usd(line.hardInNanoUsd)} hard`);
  if (line.softInNanoUsd !== undefined) parts.push(`${usd(line.softInNanoUsd)} soft`);
  if (line.callLimit !== undefined) parts.push(`${line.callLimit} calls`);
  return parts.join(', ') || '–';
}

function runsOut(line, now) {
  if (line.exhaustedAtInMs === undefined) return line.burnPerHourInNanoUsd === 0 ? 'not burning' : '–';
  if (line.exhaustedAtInMs >= line.windowEndInMs) return 'not this window';
  if (line.exhaustedAtInMs <= now) return 'reached';
  return `in ${duration(line.exhaustedAtInMs - now)}`;
}

/** Renders the Budgets view from state.budgets. */
export function renderBudgets(panel) {
  const { budgets } = panel.state;
  const now = panel.now();
  keyedRows(document.querySelector('#budget-table tbody'), budgets.lines, {
    key: (line) => `${line.key}|${line.mode}|${line.source}`,
    build: (line) =>
      h(
        'tr',
        { dataset: { scope: line.scope, window: line.window } },
        h('th', { scope: 'row' }, h('span', { dataset: { field: 'scope' } }), h('span', { class: 'detail', dataset: { field: 'source' } })),
        h('td', { dataset: { field: 'window' } }),
        ...['spent', 'reserved', 'limit'].map((field) => h('td', { class: 'num', dataset: { field } })),
        h('td', { dataset: { field: 'used' } }, h('meter', { min: '0', max: '1', low: '0.5', high: '0.8', optimum: '0', value: '0', 'aria-label': `share of ${line.scope} used` })),
        h('td', { dataset: { field: 'stage' } }),
        h('td', { class: 'num', dataset: { field: 'burn' } }),
        h('td', { dataset: { field: 'runs-out' } }),
        h('td', { class: 'num', dataset: { field: 'shadow' } }),
      ),
    update: (row, line) => {
      setText(cell(row, 'scope'), line.scope);
      setText(cell(row, 'window'), line.window === 'total' ? 'total' : `${line.window}, ${duration(line.windowEndInMs - now)} left`);
      cell(row, 'window').title = line.window === 'total' ? 'never resets' : `resets ${dateTime(line.windowEndInMs)}`;
      setText(cell(row, 'source'), line.mode === 'shadow' ? `${line.source} (shadow)` : line.source);
      setText(cell(row, 'spent'), usd(line.spentInNanoUsd));
      cell(row, 'spent').dataset.nano = String(line.spentInNanoUsd);
      setText(cell(row, 'reserved'), usd(line.reservedInNanoUsd));
      setText(cell(row, 'limit'), limitText(line));
      const base = line.hardInNanoUsd ?? line.softInNanoUsd;
      const used = base ? Math.min(1, (line.spentInNanoUsd + line.reservedInNanoUsd) / base) : line.callLimit ? Math.min(1, line.calls / line.callLimit) : 0;
      const meter = cell(row, 'used').querySelector('meter');
      meter.value = used;
      meter.textContent = `${Math.round(used * 100)}%`;
      meter.title = `${Math.round(used * 100)}% used`;
      setText(cell(row, 'stage'), line.stage === undefined ? '–' : `${line.stage.atPercent}%: ${line.stage.actions.join(', ')}`);
      setText(cell(row, 'burn'), usdShort(line.burnPerHourInNanoUsd));
      setText(cell(row, 'runs-out'), runsOut(line, now));
      setText(cell(row, 'shadow'), line.mode === 'shadow' ? `${line.shadowDecisions}×` : '–');
    },
    empty: 'No budget is configured (budgets in the config, or limits on virtual keys).',
  });
  keyedRows(document.querySelector('#shadow-table tbody'), budgets.shadow, {
    key: (entry) => `${entry.scope}|${entry.kind}`,
    build: () => h('tr', {}, h('th', { scope: 'row', dataset: { field: 'scope' } }), h('td', { dataset: { field: 'kind' } }), h('td', { class: 'num', dataset: { field: 'count' } })),
    update: (row, entry) => {
      setText(cell(row, 'scope'), entry.scope);
      setText(cell(row, 'kind'), entry.kind);
      setText(cell(row, 'count'), entry.count);
    },
    empty: 'No shadow-mode decision today.',
  });
}
