// DOM and formatting helpers for the control panel. Text goes in with textContent only, never as HTML.

/** Creates an element: h('td', { class: 'num', dataset: { field: 'cost' } }, 'text', child). */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name.startsWith('on')) element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
}

/** Replaces an element's children. */
export function fill(element, ...children) {
  element.replaceChildren();
  append(element, children);
  return element;
}

/** Sets text only when it changed, so screen readers and selections are not disturbed. */
export function setText(element, text) {
  const value = String(text);
  if (element.textContent !== value) element.textContent = value;
}

/**
 * Keeps one row per item in `tbody`, keyed by `key(item)`: existing rows are updated in place (focus
 * stays on their buttons), new ones built, gone ones removed, order follows `items`.
 */
export function keyedRows(tbody, items, { key, build, update, empty }) {
  const existing = new Map([...tbody.children].filter((row) => row.dataset.key !== undefined).map((row) => [row.dataset.key, row]));
  const rows = items.map((item) => {
    const id = key(item);
    let row = existing.get(id);
    if (row === undefined) {
      row = build(item);
      row.dataset.key = id;
    }
    existing.delete(id);
    update(row, item);
    return row;
  });
  for (const row of existing.values()) row.remove();
  tbody.querySelector('tr.empty')?.remove();
  rows.forEach((row, index) => {
    if (tbody.children[index] !== row) tbody.insertBefore(row, tbody.children[index] ?? null);
  });
  if (rows.length === 0 && empty) {
    const columns = tbody.closest('table')?.querySelectorAll('thead th').length ?? 1;
    tbody.append(h('tr', { class: 'empty' }, h('td', { colspan: columns }, empty)));
  }
}

/** The cell of `row` for `field` (cells carry data-field). */
export function cell(row, field) {
  return row.querySelector(`[data-field="${field}"]`);
}

const nanoPerUsd = 1_000_000_000;

/** Exact dollars from integer nano-USD: $0.0000132, $1.50, $12.00. */
export function usd(nano) {
  if (nano === undefined || nano === null) return '–';
  const sign = nano < 0 ? '-' : '';
  const absolute = Math.abs(nano);
  const whole = Math.floor(absolute / nanoPerUsd);
  let fraction = String(absolute % nanoPerUsd).padStart(9, '0').replace(/0+$/, '');
  if (fraction.length < 2) fraction = fraction.padEnd(2, '0');
  return `${sign}$${whole.toLocaleString('en-US')}.${fraction}`;
}

/** Dollars rounded for charts and summaries: $0.0123, $12.35. */
export function usdShort(nano) {
  if (nano === undefined || nano === null) return '–';
  const value = nano / nanoPerUsd;
  if (value === 0) return '$0';
  if (Math.abs(value) >= 1) return `$${value.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  return `$${value.toPrecision(3)}`;
}

export function percent(fraction) {
  return fraction === undefined || fraction === null ? '–' : `${(fraction * 100).toFixed(1)}%`;
}

export function milliseconds(value) {
  return value === undefined ? '–' : `${Math.round(value)} ms`;
}

/** "4 s", "3 min", "2 h 5 min". */
export function duration(ms) {
  if (ms === undefined || ms === null || !Number.isFinite(ms)) return '–';
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d`;
}

export function clockTime(atInMs) {
  return new Date(atInMs).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function dateTime(atInMs) {
  return new Date(atInMs).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}

/** A tiny inline SVG line of the values, for the task rows. */
export function sparkline(values, { width = 96, height = 22 } = {}) {
  const svgNamespace = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(svgNamespace, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('class', 'sparkline');
  svg.setAttribute('aria-hidden', 'true');
  if (values.length > 1) {
    const low = Math.min(...values);
    const high = Math.max(...values);
    const span = high - low || 1;
    const points = values.map((value, index) => `${((index / (values.length - 1)) * (width - 2) + 1).toFixed(1)},${(height - 1 - ((value - low) / span) * (height - 2)).toFixed(1)}`);
    const line = document.createElementNS(svgNamespace, 'polyline');
    line.setAttribute('points', points.join(' '));
    svg.append(line);
  }
  return svg;
}
