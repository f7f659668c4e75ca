// Operator actions: every state-changing request carries the session's CSRF token (double submit:
// the warden_csrf cookie echoed in a header another site cannot set).
import { h } from './dom.js';

function csrfToken() {
  const match = document.cookie.split(';').map((part) => part.trim()).find((part) => part.startsWith('warden_csrf='));
  return match === undefined ? '' : match.slice('warden_csrf='.length);
}

/** POSTs JSON to a /ui/api path; resolves with the answer's JSON, rejects with its error message. */
export async function post(path, body = {}) {
  const response = await fetch(path, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-warden-csrf': csrfToken() },
    body: JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer?.error?.message ?? `${response.status} ${response.statusText}`);
  return answer;
}

/** Says what happened in the polite live region, for everyone and for screen readers. */
export function announce(text, kind = 'ok') {
  const region = document.getElementById('toast');
  region.className = `toast ${kind}`;
  region.textContent = text;
  clearTimeout(announce.timer);
  announce.timer = setTimeout(() => {
    region.textContent = '';
    region.className = 'toast';
  }, 6000);
}

/** Runs an action, announcing its outcome; returns whether it worked. */
export async function act(label, run) {
  try {
    await run();
    announce(label);
    return true;
  } catch (error) {
    announce(`${label} failed: ${error.message}`, 'error');
    return false;
  }
}

/**
 * Asks for a reason in a modal dialog before an action (Escape or Cancel gives up). Resolves with
 * the reason, or undefined when cancelled.
 */
export function askReason({ title, confirmLabel, placeholder = '' }) {
  const dialog = document.getElementById('reason-dialog');
  const form = dialog.querySelector('form');
  dialog.querySelector('h2').textContent = title;
  const input = dialog.querySelector('input[name="reason"]');
  input.value = '';
  input.placeholder = placeholder;
  dialog.querySelector('button[value="confirm"]').textContent = confirmLabel;
  return new Promise((resolve) => {
    const onClose = () => {
      dialog.removeEventListener('close', onClose);
      resolve(dialog.returnValue === 'confirm' ? input.value.trim() : undefined);
    };
    dialog.addEventListener('close', onClose);
    dialog.querySelector('button[value="cancel"]').onclick = () => dialog.close('cancel');
    form.onsubmit = (event) => {
      event.preventDefault();
      dialog.close(event.submitter?.value ?? 'confirm');
    };
    dialog.returnValue = '';
    dialog.showModal();
    input.focus();
  });
}

/** A kill switch: asks why, turns it on, announces it. */
export async function kill(target) {
  const reason = await askReason({ title: `Stop every call charged to ${target}`, confirmLabel: 'Turn on kill switch', placeholder: 'Why (recorded in the ledger)' });
  if (reason === undefined) return false;
  return act(`Kill switch on for ${target}`, () => post('/ui/api/kill-switches', { target, reason }));
}

export function unkill(target) {
  return act(`Kill switch lifted for ${target}`, () => post('/ui/api/kill-switches/clear', { target }));
}

/** A small button; `label` is visible, `description` is what a screen reader hears. */
export function actionButton(label, description, onClick, extraClass = '') {
  return h('button', { type: 'button', class: `action ${extraClass}`.trim(), 'aria-label': description, title: description, onclick: onClick }, label);
}
