// Approvals: what is asked and why; operators approve or deny with a reason.
import { act, post } from './actions.js';
import { cell, clockTime, dateTime, duration, h, keyedRows, setText } from './dom.js';

function decide(approval, approve, reasonInput) {
  const verb = approve ? 'approve' : 'deny';
  return act(`${approve ? 'Approved' : 'Denied'} ${approval.tool} (${approval.id})`, () => post(`/ui/api/approvals/${encodeURIComponent(approval.id)}/${verb}`, { reason: reasonInput.value.trim() }));
}

function buildPending(approval, panel) {
  const row = h(
    'tr',
    { dataset: { approval: approval.id } },
    h('td', { title: dateTime(approval.createdAtInMs) }, clockTime(approval.createdAtInMs)),
    h('td', { class: 'wrap' }, h('strong', {}, approval.tool), ' ', h('code', {}, approval.argumentsJson)),
    h('td', { class: 'wrap' }, approval.reason, approval.rule ? h('span', { class: 'detail' }, `rule ${approval.rule}`) : null),
    h('td', {}, approval.taskId === undefined ? '–' : h('a', { href: `#fleet?task=${encodeURIComponent(approval.taskId)}` }, approval.taskId)),
    h('td', {}, [approval.keyName ?? approval.keyId, approval.team].filter(Boolean).join(' / ') || '–'),
    h('td', { dataset: { field: 'expires' } }),
  );
  if (panel.session.role === 'operator') {
    const inputId = `reason-${approval.id}`;
    const reason = h('input', { id: inputId, name: 'reason', autocomplete: 'off', placeholder: 'reason (recorded)' });
    row.append(
      h(
        'td',
        { class: 'actions decide' },
        h(
          'div',
          { class: 'buttons' },
          h('label', { for: inputId, class: 'visually-hidden' }, `Reason for ${approval.tool} (${approval.id})`),
          reason,
          h('button', { type: 'button', class: 'approve', 'aria-label': `Approve ${approval.tool} (${approval.id})`, onclick: () => decide(approval, true, reason) }, 'Approve'),
          h('button', { type: 'button', class: 'danger', 'aria-label': `Deny ${approval.tool} (${approval.id})`, onclick: () => decide(approval, false, reason) }, 'Deny'),
        ),
      ),
    );
  }
  return row;
}

/** Renders the Approvals view from state.approvals. */
export function renderApprovals(panel) {
  const { approvals } = panel.state;
  const now = panel.now();
  keyedRows(document.querySelector('#approval-table tbody'), approvals.pending, {
    key: (approval) => approval.id,
    build: (approval) => buildPending(approval, panel),
    update: (row, approval) => setText(cell(row, 'expires'), duration(approval.expiresAtInMs - now)),
    empty: 'Nothing is waiting for a decision.',
  });
  keyedRows(document.querySelector('#decided-table tbody'), approvals.decided, {
    key: (approval) => `${approval.id}|${approval.status}`,
    build: (approval) =>
      h(
        'tr',
        { dataset: { approval: approval.id } },
        h('th', { scope: 'row' }, approval.tool),
        h('td', {}, approval.taskId ?? '–'),
        h('td', {}, h('span', { class: `status status-${approval.status}` }, approval.status)),
        h('td', {}, approval.decidedBy ?? '–'),
        h('td', {}, approval.decidedAtInMs === undefined ? '–' : clockTime(approval.decidedAtInMs)),
        h('td', { class: 'wrap' }, approval.decisionReason ?? ''),
      ),
    update: () => {},
    empty: 'No decision yet.',
  });
  const badge = document.getElementById('badge-approvals');
  badge.hidden = approvals.pending.length === 0;
  setText(badge, approvals.pending.length);
  badge.setAttribute('aria-label', `${approvals.pending.length} pending`);
}
