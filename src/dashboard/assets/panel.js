// The control panel: one page, kept live by the gateway's event stream (/ui/api/events); no reloads.
import { announce, post } from './actions.js';
import { resizeCharts } from './charts.js';
import { setText } from './dom.js';
import { applyPatch } from './patch.js';
import { renderApprovals } from './view-approvals.js';
import { renderBudgets } from './view-budgets.js';
import { renderFleet } from './view-fleet.js';
import { renderKills, setUpKillForm } from './view-kills.js';
import { renderRouting } from './view-routing.js';
import { renderSecurity } from './view-security.js';
import { drawSpendCharts, renderSpend } from './view-spend.js';

const views = ['fleet', 'spend', 'budgets', 'routing', 'security', 'approvals', 'kills'];
const renderersBySection = {
  fleet: [renderFleet],
  spend: [renderSpend, renderFleet],
  budgets: [renderBudgets],
  routing: [renderRouting],
  security: [renderSecurity],
  approvals: [renderApprovals],
  kills: [renderKills],
};
let currentView = 'fleet';

/** What every view renders from: the state, who is signed in, and the server's clock. */
const panel = {
  state: undefined,
  session: { role: 'viewer', name: '' },
  offsetInMs: 0,
  now: () => Date.now() + panel.offsetInMs,
  visible: (view) => currentView === view,
};
window.wardenPanel = panel;

function render(sections) {
  const renderers = new Set(sections.flatMap((section) => renderersBySection[section] ?? []));
  for (const renderer of renderers) renderer(panel);
  const badge = document.getElementById('badge-security');
  const flagged = panel.state.fleet.tasks.filter((task) => task.status === 'looping' || task.status === 'stuck').length;
  badge.hidden = flagged === 0;
  setText(badge, flagged);
  badge.setAttribute('aria-label', `${flagged} tasks looping or stuck`);
  document.body.dataset.version = String(panel.version);
}

function onSession(session) {
  panel.session = session;
  document.body.dataset.role = session.role;
  setText(document.getElementById('who'), session.role === 'operator' ? `${session.name} (operator)` : `${session.name} (viewer, read-only)`);
  if (session.role !== 'operator') for (const element of document.querySelectorAll('.operator-only')) element.remove();
}

function connect() {
  const status = document.getElementById('connection');
  const events = new EventSource('/ui/api/events');
  events.addEventListener('hello', (event) => onSession(JSON.parse(event.data)));
  events.addEventListener('state', (event) => {
    const message = JSON.parse(event.data);
    panel.state = message.state;
    panel.version = message.version;
    panel.offsetInMs = message.state.atInMs - Date.now();
    render(views);
    setText(status, 'live');
    status.className = 'connection live';
  });
  events.addEventListener('patch', (event) => {
    const message = JSON.parse(event.data);
    if (panel.state === undefined || message.version <= panel.version) return;
    applyPatch(panel.state, message.patch);
    panel.version = message.version;
    panel.offsetInMs = message.atInMs - Date.now();
    render(Object.keys(message.patch));
  });
  events.addEventListener('logout', () => {
    events.close();
    location.assign('/ui/login');
  });
  events.onerror = async () => {
    setText(status, 'reconnecting…');
    status.className = 'connection lost';
    if (events.readyState === EventSource.CLOSED) {
      const check = await fetch('/ui/api/state', { credentials: 'same-origin' }).catch(() => undefined);
      if (check?.status === 401) location.assign('/ui/login');
      else setTimeout(connect, 2000);
    }
  };
}

/** Shows the view the location hash names (#spend, #fleet?task=t-1), and marks its link current. */
function showView(fromUser) {
  const [name, query] = location.hash.slice(1).split('?');
  currentView = views.includes(name) ? name : 'fleet';
  for (const view of views) document.getElementById(`view-${view}`).hidden = view !== currentView;
  for (const link of document.querySelectorAll('[data-view-link]')) {
    if (link.dataset.viewLink === currentView) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const task = new URLSearchParams(query ?? '').get('task');
  if (currentView === 'fleet' && task !== null) document.getElementById('fleet-filter').value = task;
  if (panel.state !== undefined) {
    render([currentView]);
    if (currentView === 'spend') drawSpendCharts(panel);
  }
  if (fromUser) document.getElementById(`title-${currentView}`).focus();
}

function setUp() {
  for (const view of views) document.getElementById(`title-${view}`).setAttribute('tabindex', '-1');
  window.addEventListener('hashchange', () => showView(true));
  document.getElementById('fleet-filter').addEventListener('input', () => panel.state && renderFleet(panel));
  for (const id of ['spend-range', 'spend-dimension', 'histogram-type']) document.getElementById(id).addEventListener('change', () => panel.state && drawSpendCharts(panel));
  document.getElementById('logout').addEventListener('click', async () => {
    await post('/ui/logout').catch((error) => announce(`Log out failed: ${error.message}`, 'error'));
    location.assign('/ui/login');
  });
  window.addEventListener('resize', () => resizeCharts(document.querySelectorAll('.chart')));
  // Times shown relative to now ("running for", "expires in") move on between updates.
  setInterval(() => panel.state && render(['fleet', 'approvals', 'budgets']), 1000);
  setUpKillForm();
  showView(false);
  connect();
}

setUp();
