// Security: tool denials, sandbox violations and loop detections, each linked to its task in the Fleet view.
import { cell, clockTime, dateTime, fill, h, keyedRows, setText } from './dom.js';

const typeLabels = { 'tool-deny': 'tool denied', 'sandbox-limit-cross': 'sandbox limit', 'loop-detect': 'loop detected' };

/** Renders the Security view from state.security. */
export function renderSecurity(panel) {
  const { security } = panel.state;
  setText(document.getElementById('security-tools'), security.counts.toolDenials);
  setText(document.getElementById('security-sandbox'), security.counts.sandboxViolations);
  setText(document.getElementById('security-loops'), security.counts.loopDetections);
  keyedRows(document.querySelector('#security-table tbody'), [...security.events].reverse(), {
    key: (event) => String(event.sequence),
    build: (event) =>
      h(
        'tr',
        { dataset: { type: event.type } },
        h('td', { title: dateTime(event.timeInMs) }, clockTime(event.timeInMs)),
        h('td', {}, h('span', { class: `status status-${event.type}` }, typeLabels[event.type] ?? event.type)),
        h('td', { dataset: { field: 'task' } }),
        h('td', {}, [event.keyName ?? event.keyId, event.team].filter(Boolean).join(' / ') || '–'),
        h('td', { class: 'wrap' }, event.summary),
      ),
    update: (row, event) => {
      const taskCell = cell(row, 'task');
      if (taskCell.childElementCount === 0 && event.taskId !== undefined) fill(taskCell, h('a', { href: `#fleet?task=${encodeURIComponent(event.taskId)}` }, event.taskId));
      else if (event.taskId === undefined) setText(taskCell, '–');
    },
    empty: 'No security event yet.',
  });
}
