/**
 * The inspector's page: framework-free, served by the inspector itself (no CDN: the machine may be offline,
 * and PHI must not load anything from elsewhere). Everything from a request is inserted as text, never as
 * HTML.
 */
export const INSPECTOR_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>metriport-webhook inspector</title>
<link rel="stylesheet" href="/app.css">
</head>
<body>
<header>
  <h1>metriport-webhook inspector</h1>
  <input id="filter" type="search" placeholder="Filter: type, patient id, messageId, text" aria-label="Filter">
  <select id="kind" aria-label="Kind">
    <option value="">all requests</option>
    <option value="message">messages</option>
    <option value="duplicate">duplicates</option>
    <option value="ping">pings</option>
    <option value="filtered">filtered</option>
    <option value="refused">refused</option>
  </select>
  <span id="count"></span>
</header>
<main>
  <div id="rows"><ul id="list" aria-label="Requests, newest first"></ul><p id="more" class="hint"></p></div>
  <section id="detail"><p class="hint">Select a request.</p></section>
</main>
<script src="/app.js"></script>
</body>
</html>
`;

export const INSPECTOR_CSS = `
:root { font-family: system-ui, sans-serif; font-size: 14px; color: #1d2433; }
body { margin: 0; }
header { display: flex; gap: 12px; align-items: center; padding: 8px 12px; background: #12325b; color: white; }
header h1 { font-size: 15px; margin: 0 12px 0 0; }
header input { flex: 1; padding: 4px 8px; }
main { display: grid; grid-template-columns: minmax(360px, 42%) 1fr; height: calc(100vh - 44px); }
#rows { overflow: auto; border-right: 1px solid #d6dbe4; }
#list { list-style: none; margin: 0; padding: 0; }
#more { padding: 6px 10px; }
#list li { padding: 6px 10px; border-bottom: 1px solid #eef0f4; cursor: pointer; display: grid; grid-template-columns: 64px 74px 1fr auto; gap: 6px; }
#list li:hover, #list li.selected { background: #eaf2ff; }
.kind { font-size: 11px; border-radius: 3px; padding: 1px 4px; text-align: center; background: #e4e8ef; }
.kind.refused { background: #fbe3e3; color: #8a1c1c; }
.kind.duplicate { background: #fff3d6; }
.kind.ping { background: #e0f4ec; }
.status.bad { color: #b3261e; font-weight: 600; }
.meta { grid-column: 2 / 5; color: #5b6475; font-size: 12px; overflow-wrap: anywhere; }
#detail { overflow: auto; padding: 12px 16px; }
#detail h2 { font-size: 16px; margin: 0 0 8px; overflow-wrap: anywhere; }
table { border-collapse: collapse; margin: 8px 0; }
td { border-bottom: 1px solid #eef0f4; padding: 2px 8px 2px 0; vertical-align: top; overflow-wrap: anywhere; }
td:first-child { color: #5b6475; white-space: nowrap; }
details { margin-left: 14px; }
summary { cursor: pointer; }
.tree { font-family: ui-monospace, monospace; font-size: 12px; }
.tree .key { color: #005cc5; }
.tree .string { color: #22863a; }
.tree .number { color: #b45f06; }
pre { background: #f6f8fa; padding: 8px; overflow: auto; max-height: 320px; font-size: 12px; }
button { margin-right: 6px; }
textarea { width: 100%; height: 220px; font-family: ui-monospace, monospace; font-size: 12px; }
.hint { color: #5b6475; }
`;

export const INSPECTOR_JS = `'use strict';
const state = { entries: [], received: 0, selected: undefined, replay: false };
// The server keeps this many; the page keeps no more, and draws fewer (the filter finds the rest).
const MAX_ROWS = 2000;
const DRAWN_ROWS = 300;
const list = document.getElementById('list');
const detail = document.getElementById('detail');
const filter = document.getElementById('filter');
const kind = document.getElementById('kind');
const count = document.getElementById('count');

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined) continue;
    if (name === 'class') node.className = value; else node.setAttribute(name, value);
  }
  for (const child of children) if (child !== undefined && child !== null) node.append(child instanceof Node ? child : String(child));
  return node;
}

// Read from the form once per pass over the list, not once per entry: a batch counts all 2,000 entries.
function matcher() {
  const wantedKind = kind.value;
  const text = filter.value.trim().toLowerCase();
  return (entry) => {
    if (wantedKind && entry.kind !== wantedKind) return false;
    if (!text) return true;
    return [entry.type, entry.patientId, entry.messageId, entry.summary, entry.verdict].some((field) => field && String(field).toLowerCase().includes(text));
  };
}

// The summary names the patient for most types; the id is added only where it does not.
function metaLine(entry) {
  if (entry.kind === 'refused') return entry.verdict;
  const patient = entry.patientId && !entry.summary.includes(entry.patientId) ? 'patient ' + entry.patientId : '';
  return [patient, entry.verdict, entry.summary].filter(Boolean).join(' · ');
}

function row(entry) {
  const bad = entry.status === undefined || entry.status === null || entry.status >= 300;
  const item = el('li', { 'data-id': String(entry.id), 'data-kind': entry.kind, class: state.selected === entry.id ? 'selected' : undefined },
    el('span', {}, entry.at.slice(11, 19)),
    el('span', { class: 'kind ' + entry.kind }, entry.kind),
    el('span', {}, entry.type || '(no type)', ' ', entry.messageId ? entry.messageId.slice(0, 8) : ''),
    el('span', { class: 'status' + (bad ? ' bad' : '') }, entry.status === undefined || entry.status === null ? '' : String(entry.status)),
    el('span', { class: 'meta' }, metaLine(entry)));
  item.addEventListener('click', () => select(entry.id));
  return item;
}

function shownCount() {
  const matches = matcher();
  let shown = 0;
  for (const entry of state.entries) if (matches(entry)) shown += 1;
  return shown;
}

function updateCounts(shown) {
  document.getElementById('more').textContent = shown > DRAWN_ROWS ? (shown - DRAWN_ROWS) + ' more: filter to narrow the list' : '';
  // In a burst the live feed sends the newest requests only (a reload lists the latest 2,000 in full), and
  // only 2,000 are kept: say how many arrived in all.
  count.textContent = shown + ' of ' + state.entries.length + (state.received > state.entries.length ? ' · ' + state.received + ' received' : '');
}

let drawnFor;
function render() {
  const shown = state.entries.filter(matcher());
  list.replaceChildren(...shown.slice(0, DRAWN_ROWS).map(row));
  drawnFor = filter.value + '\u0000' + kind.value;
  updateCounts(shown.length);
}

// New rows are added at the top and the oldest drawn ones removed: a burst costs the tab the rows that
// arrived, not a redraw of the whole list.
function addRows(batch) {
  if (drawnFor !== filter.value + '\u0000' + kind.value) return render();
  const fresh = batch.filter(matcher()).reverse().slice(0, DRAWN_ROWS).map(row);
  list.prepend(...fresh);
  while (list.children.length > DRAWN_ROWS) list.lastElementChild.remove();
  updateCounts(shownCount());
}

function tree(value, depth, budget) {
  if (budget.left-- <= 0) return el('span', { class: 'hint' }, '…');
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'string' && /^https:\\/\\//.test(value)) return el('a', { href: value, rel: 'noopener noreferrer', target: '_blank', class: 'string' }, JSON.stringify(value));
    return el('span', { class: typeof value }, JSON.stringify(value));
  }
  const keys = Object.keys(value);
  const label = Array.isArray(value) ? '[' + keys.length + ']' : '{' + keys.length + '}';
  if (depth > 60) return el('span', { class: 'hint' }, label + ' …');
  const node = el('details', depth < 3 ? { open: '' } : {}, el('summary', {}, label));
  for (const key of keys) {
    node.append(el('div', {}, el('span', { class: 'key' }, Array.isArray(value) ? key : JSON.stringify(key)), ': ', tree(value[key], depth + 1, budget)));
  }
  return node;
}

async function select(id) {
  state.selected = id;
  render();
  const response = await fetch('/api/entries/' + id);
  if (!response.ok) return;
  const { entry, body, attempts } = await response.json();
  const fields = [['Time', entry.at], ['Kind', entry.kind], ['Verdict', entry.verdict], ['Answered', entry.status], ['messageId', entry.messageId], ['Patient', entry.patientId], ['Stored as', entry.storedAs], ['App', entry.forward], ['From', entry.from]];
  const parts = [el('h2', {}, (entry.type || entry.kind) + (entry.messageId ? ' · ' + entry.messageId : '')), el('p', { id: 'summary' }, entry.summary)];
  parts.push(el('table', { id: 'fields' }, ...fields.filter(([, value]) => value !== undefined && value !== null).map(([name, value]) => el('tr', {}, el('td', {}, name), el('td', {}, String(value))))));
  const headers = Object.entries(entry.headers);
  parts.push(el('h3', {}, 'Headers'), headers.length === 0
    ? el('p', { id: 'headers', class: 'hint' }, 'Not kept for this request.')
    : el('table', { id: 'headers' }, ...headers.map(([name, value]) => el('tr', {}, el('td', {}, name), el('td', {}, value)))));
  if (attempts.length > 1) {
    parts.push(el('h3', {}, 'Deliveries of this messageId'), el('ol', { id: 'attempts' }, ...attempts.map((attempt) => el('li', {}, attempt.at + ' · ' + attempt.kind + ' · answered ' + attempt.status))));
  }
  if (body !== undefined) {
    let parsed;
    try { parsed = JSON.parse(body); } catch { parsed = undefined; }
    const actions = el('p', { id: 'actions' });
    if (state.replay) {
      const replay = el('button', { id: 'replay' }, 'Replay');
      replay.addEventListener('click', () => send(id));
      const edit = el('button', { id: 'edit' }, 'Edit and replay');
      edit.addEventListener('click', () => editor(id, body));
      const curl = el('button', { id: 'curl' }, 'Copy as curl');
      curl.addEventListener('click', () => copyCurl(id));
      actions.append(replay, edit, curl);
    }
    actions.append(el('a', { href: '/api/entries/' + id + '/raw', download: 'message-' + id + '.json', id: 'download' }, 'Download the exact bytes'));
    parts.push(actions, el('div', { id: 'outcome', class: 'hint' }));
    if (parsed !== undefined) parts.push(el('h3', {}, 'Payload'), el('div', { class: 'tree', id: 'tree' }, tree(parsed, 0, { left: 5000 })));
    parts.push(el('h3', {}, 'Raw body'), el('pre', { id: 'raw' }, body.length > 200000 ? body.slice(0, 200000) + '\\n… (download for all of it)' : body));
  }
  detail.replaceChildren(...parts);
  detail.scrollTop = 0;
}

async function send(id, edited) {
  const outcome = document.getElementById('outcome');
  outcome.textContent = 'Sending…';
  const response = await fetch('/api/entries/' + id + '/replay', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(edited === undefined ? {} : { body: edited }) });
  const result = await response.json();
  outcome.textContent = response.ok ? 'Replayed: the listener answered ' + result.status + ' (' + result.detail + ')' : result.error;
}

function editor(id, body) {
  const area = el('textarea', { id: 'edited' });
  area.value = body;
  const go = el('button', { id: 'send-edited' }, 'Sign and send');
  go.addEventListener('click', () => send(id, area.value));
  document.getElementById('actions').after(el('div', {}, area, go));
}

async function copyCurl(id) {
  const response = await fetch('/api/entries/' + id + '/curl');
  const text = await response.text();
  const outcome = document.getElementById('outcome');
  outcome.replaceChildren(el('pre', { id: 'curl-text' }, text));
  if (navigator.clipboard) navigator.clipboard.writeText(text).catch(() => undefined);
}

filter.addEventListener('input', render);
kind.addEventListener('change', render);

function apply(batch) {
  // A batch, oldest first; the list is newest first. What the list already holds is skipped.
  const newest = state.entries.length > 0 ? state.entries[0].id : 0;
  const fresh = batch.entries.filter((entry) => entry.id > newest);
  for (const entry of fresh) state.entries.unshift(entry);
  state.received = Math.max(state.received, batch.received);
  if (state.entries.length > MAX_ROWS) state.entries.length = MAX_ROWS;
  // The server sends at most two batches a second (one every two seconds under a flood): each is drawn as it comes.
  addRows(fresh);
}

(async () => {
  // The feed opens before the list is read, so nothing that arrives in between is missed.
  const early = [];
  let loaded = false;
  const events = new EventSource('/api/events');
  events.onmessage = (event) => {
    const batch = JSON.parse(event.data);
    if (loaded) apply(batch); else early.push(batch);
  };
  const response = await fetch('/api/entries');
  const data = await response.json();
  state.entries = data.entries;
  state.received = data.received;
  state.replay = data.replay;
  render();
  loaded = true;
  for (const batch of early) apply(batch);
})();
`;
