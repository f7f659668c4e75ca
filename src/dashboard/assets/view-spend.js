// Spend: today and this month with projections, spend over time by team/model/tier, cost per task and top users.
import { histogramChart, spendChart } from './charts.js';
import { cell, h, keyedRows, setText, usd, usdShort } from './dom.js';

function withBudget(amount, budget) {
  return budget === undefined ? usd(amount) : `${usd(amount)} of ${usd(budget)}`;
}

/** Renders the Spend view from state.spend. */
export function renderSpend(panel) {
  const { spend } = panel.state;
  setText(document.getElementById('spend-today'), withBudget(spend.todayInNanoUsd, spend.dayBudgetInNanoUsd));
  setText(document.getElementById('spend-projected-day'), usdShort(spend.projectedDayInNanoUsd));
  setText(document.getElementById('spend-month'), withBudget(spend.monthInNanoUsd, spend.monthBudgetInNanoUsd));
  setText(document.getElementById('spend-projected-month'), usdShort(spend.projectedMonthInNanoUsd));
  const over = (projected, budget) => budget !== undefined && projected > budget;
  document.getElementById('spend-projected-day').classList.toggle('warn', over(spend.projectedDayInNanoUsd, spend.dayBudgetInNanoUsd));
  document.getElementById('spend-projected-month').classList.toggle('warn', over(spend.projectedMonthInNanoUsd, spend.monthBudgetInNanoUsd));

  keyedRows(document.querySelector('#spend-by-team tbody'), spend.byTeam, {
    key: (entry) => entry.team,
    build: (entry) => h('tr', { dataset: { team: entry.team } }, h('th', { scope: 'row', dataset: { field: 'team' } }), h('td', { class: 'num', dataset: { field: 'cost' } })),
    update: (row, entry) => {
      setText(cell(row, 'team'), entry.team);
      setText(cell(row, 'cost'), usd(entry.costInNanoUsd));
      cell(row, 'cost').dataset.nano = String(entry.costInNanoUsd);
    },
    empty: 'Nothing spent today.',
  });
  keyedRows(document.querySelector('#top-users tbody'), spend.topUsers, {
    key: (entry) => entry.user,
    build: () => h('tr', {}, h('th', { scope: 'row', dataset: { field: 'user' } }), h('td', { class: 'num', dataset: { field: 'cost' } }), h('td', { class: 'num', dataset: { field: 'calls' } })),
    update: (row, entry) => {
      setText(cell(row, 'user'), entry.user);
      setText(cell(row, 'cost'), usd(entry.costInNanoUsd));
      setText(cell(row, 'calls'), entry.calls);
    },
    empty: 'No call named a user (x-warden-user) today.',
  });
  keyedRows(document.querySelector('#task-cost tbody'), spend.taskCost, {
    key: (entry) => entry.type,
    build: () => h('tr', {}, h('th', { scope: 'row', dataset: { field: 'type' } }), ...['tasks', 'p50', 'p95', 'p99', 'max'].map((field) => h('td', { class: 'num', dataset: { field } }))),
    update: (row, entry) => {
      setText(cell(row, 'type'), entry.type);
      setText(cell(row, 'tasks'), entry.tasks);
      setText(cell(row, 'p50'), usd(entry.p50InNanoUsd));
      setText(cell(row, 'p95'), usd(entry.p95InNanoUsd));
      setText(cell(row, 'p99'), usd(entry.p99InNanoUsd));
      setText(cell(row, 'max'), usd(entry.maxInNanoUsd));
    },
    empty: 'No task has spent anything today.',
  });
  if (panel.visible('spend')) drawSpendCharts(panel);
}

/** Draws the charts (only while the view is shown: a hidden container has no width). */
export function drawSpendCharts(panel) {
  const { spend } = panel.state;
  const range = document.getElementById('spend-range').value;
  const dimension = document.getElementById('spend-dimension').value;
  const view = spend[range];
  const series = view.series[dimension];
  setText(document.getElementById('spend-chart-caption'), `Spend ${range === 'today' ? 'per hour today' : 'per minute over the last hour'} by ${dimension}${series.length === 0 ? ': nothing spent yet' : ''}`);
  spendChart(document.getElementById('spend-chart'), { startInMs: view.startInMs, stepInMs: view.stepInMs, series });
  const { edgesInNanoUsd, counts } = spend.taskCostHistogram;
  const select = document.getElementById('histogram-type');
  const types = counts.map((entry) => entry.type);
  const options = ['', ...types];
  if ([...select.options].map((option) => option.value).join('|') !== options.join('|')) {
    const chosen = select.value;
    select.replaceChildren(...options.map((type) => h('option', { value: type }, type === '' ? 'every task type' : type)));
    select.value = options.includes(chosen) ? chosen : '';
  }
  const chosen = counts.filter((entry) => select.value === '' || entry.type === select.value);
  const total = Array.from({ length: Math.max(0, edgesInNanoUsd.length - 1) }, (_, index) => chosen.reduce((sum, entry) => sum + (entry.counts[index] ?? 0), 0));
  histogramChart(document.getElementById('task-cost-chart'), { edgesInNanoUsd, counts: total, label: select.value === '' ? 'tasks' : `${select.value} tasks` });
}
