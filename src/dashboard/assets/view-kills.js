// Kill switch: switches on now with who flipped them and when; operators turn them on and lift them.
import { act, actionButton, post, unkill } from './actions.js';
import { clockTime, dateTime, h, keyedRows, setText } from './dom.js';

/** Wires the form that turns a kill switch on. */
export function setUpKillForm() {
  const form = document.getElementById('kill-form');
  const kind = document.getElementById('kill-kind');
  const name = document.getElementById('kill-name');
  const syncName = () => {
    name.disabled = kind.value === 'global';
    name.required = kind.value !== 'global';
  };
  kind.addEventListener('change', syncName);
  syncName();
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const target = kind.value === 'global' ? 'global' : `${kind.value}:${name.value.trim()}`;
    const reason = document.getElementById('kill-reason').value.trim();
    if (await act(`Kill switch on for ${target}`, () => post('/ui/api/kill-switches', { target, reason }))) form.reset();
    syncName();
  });
}

/** Renders the Kill switch view from state.kills. */
export function renderKills(panel) {
  const { kills } = panel.state;
  keyedRows(document.querySelector('#kill-table tbody'), kills.active, {
    key: (entry) => `${entry.target}|${entry.atInMs}`,
    build: (entry) => {
      const row = h(
        'tr',
        { dataset: { target: entry.target } },
        h('th', { scope: 'row' }, entry.target),
        h('td', { dataset: { field: 'by' } }, entry.by),
        h('td', { title: dateTime(entry.atInMs) }, `${clockTime(entry.atInMs)}`),
        h('td', { class: 'wrap' }, entry.reason || '–'),
      );
      if (panel.session.role === 'operator') row.append(h('td', { class: 'actions' }, h('div', { class: 'buttons' }, actionButton('Lift', `Lift the kill switch on ${entry.target}`, () => unkill(entry.target)))));
      return row;
    },
    update: () => {},
    empty: 'No kill switch is on: calls flow.',
  });
  keyedRows(document.querySelector('#kill-history tbody'), [...kills.history].reverse(), {
    key: (entry) => String(entry.sequence),
    build: (entry) => h('tr', {}, h('td', { title: dateTime(entry.timeInMs) }, clockTime(entry.timeInMs)), h('td', {}, entry.action === 'set' ? 'turned on' : 'lifted'), h('th', { scope: 'row' }, entry.target), h('td', { dataset: { field: 'by' } }, entry.by), h('td', { class: 'wrap' }, entry.reason || '–')),
    update: () => {},
    empty: 'No change yet.',
  });
  const badge = document.getElementById('badge-kills');
  badge.hidden = kills.active.length === 0;
  setText(badge, kills.active.length);
  badge.setAttribute('aria-label', `${kills.active.length} on`);
}
