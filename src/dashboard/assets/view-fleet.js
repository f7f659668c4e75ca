// Fleet: a row per task with its cost, budget, calls, status and a cost sparkline; operators can stop a task, its key or its team.
import { act, actionButton, kill, post } from './actions.js';
import { cell, duration, fill, h, keyedRows, setText, sparkline, usd } from './dom.js';

const urgency = { killed: 4, paused: 3, looping: 3, stuck: 3, 'near-cap': 2 };
const statusLabels = { running: 'running', idle: 'idle', 'near-cap': 'near cap', looping: 'looping', stuck: 'stuck', paused: 'paused for approval', killed: 'killed', finished: 'finished' };

function matches(task, filter) {
  if (filter === '') return true;
  return [task.id, task.type, task.keyId, task.keyName, task.team, task.model, task.status, statusLabels[task.status]].some((value) => value !== undefined && value.toLowerCase().includes(filter));
}

function buildRow(task, panel) {
  const row = h(
    'tr',
    { dataset: { task: task.id } },
    h('th', { scope: 'row', dataset: { field: 'task' } }),
    h('td', { dataset: { field: 'type' } }),
    h('td', { dataset: { field: 'owner' } }),
    h('td', { dataset: { field: 'model' } }),
    h('td', { class: 'num', dataset: { field: 'cost' } }),
    h('td', { dataset: { field: 'budget' } }),
    h('td', { class: 'num', dataset: { field: 'calls' } }),
    h('td', { dataset: { field: 'age' } }),
    h('td', { dataset: { field: 'status' } }),
    h('td', { dataset: { field: 'trend' } }),
  );
  if (panel.session.role === 'operator') {
    row.append(
      h(
        'td',
        { class: 'actions', dataset: { field: 'stop' } },
        h(
          'div',
          { class: 'buttons' },
          actionButton('Task', `Stop task ${task.id}`, () => kill(`task:${task.id}`)),
          task.keyId === undefined ? null : actionButton('Key', `Stop key ${task.keyName ?? task.keyId}`, () => kill(`key:${task.keyId}`)),
          task.team === undefined ? null : actionButton('Team', `Stop team ${task.team}`, () => kill(`team:${task.team}`)),
        ),
      ),
    );
  }
  return row;
}

function updateRow(row, task, panel) {
  setText(cell(row, 'task'), task.id);
  setText(cell(row, 'type'), task.type ?? '–');
  setText(cell(row, 'owner'), [task.keyName ?? task.keyId, task.team].filter(Boolean).join(' / ') || '–');
  setText(cell(row, 'model'), task.model ?? '–');
  const cost = cell(row, 'cost');
  setText(cost, usd(task.costInNanoUsd));
  cost.dataset.nano = String(task.costInNanoUsd);
  const budget = task.budget;
  setText(cell(row, 'budget'), budget?.limitInNanoUsd !== undefined ? `${usd(budget.spentInNanoUsd)} of ${usd(budget.limitInNanoUsd)}` : budget?.callLimit !== undefined ? `${budget.calls} of ${budget.callLimit} calls` : '–');
  setText(cell(row, 'calls'), task.inFlight > 0 ? `${task.calls} (+${task.inFlight})` : String(task.calls));
  setText(cell(row, 'age'), duration(panel.now() - task.startedAtInMs));
  const status = cell(row, 'status');
  if (status.dataset.status !== task.status || status.title !== (task.statusDetail ?? '')) {
    status.dataset.status = task.status;
    status.title = task.statusDetail ?? '';
    fill(status, h('span', { class: `status status-${task.status}` }, statusLabels[task.status] ?? task.status), task.statusDetail ? h('span', { class: 'detail' }, task.statusDetail) : null);
  }
  const stop = cell(row, 'stop')?.querySelector('.buttons');
  const resume = stop?.querySelector('.resume');
  const halted = (task.status === 'looping' || task.status === 'stuck') && (task.statusDetail ?? '').includes('halted');
  if (stop !== undefined && stop !== null && halted && resume === null) {
    stop.prepend(actionButton('Resume', `Resume task ${task.id}`, () => act(`Resumed ${task.id}`, () => post(`/ui/api/tasks/${encodeURIComponent(task.id)}/resume`)), 'resume'));
  } else if (!halted) resume?.remove();
  const trend = cell(row, 'trend');
  const points = task.sparkline.join(',');
  if (trend.dataset.points !== points) {
    trend.dataset.points = points;
    fill(trend, sparkline(task.sparkline));
  }
}

/** Renders the Fleet view from state.fleet (and today's spend from state.spend). */
export function renderFleet(panel) {
  const { fleet, spend } = panel.state;
  const filter = document.getElementById('fleet-filter').value.trim().toLowerCase();
  // The server sends tasks in a stable order (small updates); show the ones needing a person first, then the latest active.
  const tasks = fleet.tasks.filter((task) => matches(task, filter)).sort((left, right) => (urgency[right.status] ?? 0) - (urgency[left.status] ?? 0) || right.lastAtInMs - left.lastAtInMs || left.id.localeCompare(right.id));
  setText(document.getElementById('fleet-in-flight'), fleet.inFlight);
  setText(document.getElementById('fleet-tasks'), fleet.tasks.length);
  setText(document.getElementById('fleet-looping'), fleet.tasks.filter((task) => task.status === 'looping' || task.status === 'stuck').length);
  setText(document.getElementById('fleet-paused'), fleet.tasks.filter((task) => task.status === 'paused').length);
  setText(document.getElementById('fleet-spend-today'), usd(spend.todayInNanoUsd));
  keyedRows(document.querySelector('#fleet-table tbody'), tasks, {
    key: (task) => task.id,
    build: (task) => buildRow(task, panel),
    update: (row, task) => updateRow(row, task, panel),
    empty: filter === '' ? 'No task has called in the last 10 minutes.' : 'No task matches the filter.',
  });
  const more = document.getElementById('fleet-more');
  more.hidden = fleet.moreTasks === 0;
  setText(more, `${fleet.moreTasks} more active tasks are not listed.`);
}
