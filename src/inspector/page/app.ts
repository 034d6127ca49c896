// The inspector's page: framework-free, served by the inspector itself (no CDN: the machine may be offline,
// and PHI must not load anything from elsewhere). Everything from a request is inserted as text, never as HTML.
//
// index.html loads it as a classic script (the CSP allows no inline one). So it imports nothing: its types
// come through `import()` type expressions, which are erased and, unlike an `import` statement, leave the file
// a script whose output has no `export {}` for the browser to reject. tsconfig.page.json checks it against
// the DOM alone; scripts/build-inspector-page.mjs compiles it into what the server serves.
type Entry = import('../entry.js').Entry;
type FeedBatch = import('../entry.js').FeedBatch;
type EntriesAnswer = import('../entry.js').EntriesAnswer;
type EntryAnswer = import('../entry.js').EntryAnswer;
type ReplayAnswer = import('../entry.js').ReplayAnswer;
type ErrorAnswer = import('../entry.js').ErrorAnswer;

// The credential. The printed URL carries the session's token in its fragment (`/#token=…`), which the
// browser never sends anywhere. It is read here, before anything else runs, kept in this tab's sessionStorage
// (per origin, port included: no other local server and no other inspector sees it; a reload keeps it), and
// the page is loaded again as plain `/` in place of the entry that had it: the address bar, the history
// entry and its "typed URL" no longer hold it (history.replaceState would leave the typed URL). Every API
// call sends it as a header; nothing is ever a cookie, which the browser would send to every port of 127.0.0.1.
const TOKEN_KEY = 'metriport-webhook-inspector-token';
const token = takeToken();

/** The token, or 'moving' while the page reloads itself without it in the address. */
function takeToken(): string | undefined | 'moving' {
  const fromFragment = new URLSearchParams(location.hash.slice(1)).get('token') ?? undefined;
  try {
    if (fromFragment !== undefined) {
      sessionStorage.setItem(TOKEN_KEY, fromFragment);
      location.replace(location.pathname);
      return 'moving';
    }
    return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  } catch {
    // Storage turned off: the token lives as long as the page, out of the address bar at least.
    if (location.hash !== '') history.replaceState(null, '', location.pathname);
    return fromFragment;
  }
}

/** A call to the inspector's API, with the token; a 403 means this tab has no (or a stale) token. */
async function api(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token !== undefined && token !== 'moving') headers.set('authorization', `Bearer ${token}`);
  const response = await fetch(path, { ...init, headers, cache: 'no-store', credentials: 'omit' });
  if (response.status === 403) locked();
  return response;
}

interface PageState {
  /** Newest first. */
  entries: Entry[];
  received: number;
  selected: number | undefined;
  replay: boolean;
}

const state: PageState = { entries: [], received: 0, selected: undefined, replay: false };
// The server keeps this many (2,000 requests and 500 refusals); the page keeps no more, and draws fewer (the filter finds the rest).
const MAX_ROWS = 2500;
const DRAWN_ROWS = 300;
const list = element('list', HTMLUListElement);
const detail = element('detail', HTMLElement);
const filter = element('filter', HTMLInputElement);
const kind = element('kind', HTMLSelectElement);
const count = element('count', HTMLElement);

/** An element of index.html, or of the detail this page drew, as the type it is used as. */
function element<Type extends HTMLElement>(id: string, type: { new (): Type; prototype: Type }): Type {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`The inspector page has no #${id} of the expected kind.`);
  return found;
}

type Child = Node | string | number | undefined;

function el<Tag extends keyof HTMLElementTagNameMap>(
  tag: Tag,
  attrs?: Record<string, string | undefined>,
  ...children: Child[]
): HTMLElementTagNameMap[Tag] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined) continue;
    if (name === 'class') node.className = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) if (child !== undefined) node.append(child instanceof Node ? child : String(child));
  return node;
}

// Read from the form once per pass over the list, not once per entry: a batch counts all 2,000 entries.
function matcher(): (entry: Entry) => boolean {
  const wantedKind = kind.value;
  const text = filter.value.trim().toLowerCase();
  return (entry) => {
    if (wantedKind && entry.kind !== wantedKind) return false;
    if (!text) return true;
    return [entry.type, entry.patientId, entry.messageId, entry.summary, entry.verdict].some((field) =>
      field?.toLowerCase().includes(text),
    );
  };
}

// The summary names the patient for most types; the id is added only where it does not.
function metaLine(entry: Entry): string {
  if (entry.kind === 'refused') return entry.verdict;
  const patient = entry.patientId && !entry.summary.includes(entry.patientId) ? `patient ${entry.patientId}` : '';
  return [patient, entry.verdict, entry.summary].filter(Boolean).join(' · ');
}

function row(entry: Entry): HTMLLIElement {
  const bad = entry.status === undefined || entry.status >= 300;
  const item = el(
    'li',
    { 'data-id': String(entry.id), 'data-kind': entry.kind, class: state.selected === entry.id ? 'selected' : undefined },
    el('span', {}, entry.at.slice(11, 19)),
    el('span', { class: `kind ${entry.kind}` }, entry.kind),
    el('span', {}, entry.type || '(no type)', ' ', entry.messageId ? entry.messageId.slice(0, 8) : ''),
    el('span', { class: `status${bad ? ' bad' : ''}` }, entry.status === undefined ? '' : String(entry.status)),
    el('span', { class: 'meta' }, metaLine(entry)),
  );
  item.addEventListener('click', () => select(entry.id));
  return item;
}

function shownCount(): number {
  const matches = matcher();
  let shown = 0;
  for (const entry of state.entries) if (matches(entry)) shown += 1;
  return shown;
}

function updateCounts(shown: number): void {
  element('more', HTMLElement).textContent = shown > DRAWN_ROWS ? `${shown - DRAWN_ROWS} more: filter to narrow the list` : '';
  // In a burst the live feed sends the newest requests only (a reload lists the latest 2,000 in full), and
  // only 2,000 are kept: say how many arrived in all.
  count.textContent = `${shown} of ${state.entries.length}${state.received > state.entries.length ? ` · ${state.received} received` : ''}`;
}

let drawnFor: string | undefined;
function render(): void {
  const shown = state.entries.filter(matcher());
  list.replaceChildren(...shown.slice(0, DRAWN_ROWS).map(row));
  drawnFor = `${filter.value}\u0000${kind.value}`;
  updateCounts(shown.length);
}

// New rows are added at the top and the oldest drawn ones removed: a burst costs the tab the rows that
// arrived, not a redraw of the whole list.
function addRows(batch: Entry[]): void {
  if (drawnFor !== `${filter.value}\u0000${kind.value}`) {
    render();
    return;
  }
  const fresh = batch.filter(matcher()).reverse().slice(0, DRAWN_ROWS).map(row);
  list.prepend(...fresh);
  while (list.children.length > DRAWN_ROWS) list.lastElementChild?.remove();
  updateCounts(shownCount());
}

function tree(value: unknown, depth: number, budget: { left: number }): HTMLElement {
  if (budget.left-- <= 0) return el('span', { class: 'hint' }, '…');
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'string' && /^https:\/\//.test(value))
      return el('a', { href: value, rel: 'noopener noreferrer', target: '_blank', class: 'string' }, JSON.stringify(value));
    return el('span', { class: typeof value }, JSON.stringify(value));
  }
  const keys = Object.keys(value);
  const label = Array.isArray(value) ? `[${keys.length}]` : `{${keys.length}}`;
  if (depth > 60) return el('span', { class: 'hint' }, `${label} …`);
  const node = el('details', depth < 3 ? { open: '' } : {}, el('summary', {}, label));
  for (const key of keys) {
    const child = (value as Record<string, unknown>)[key];
    node.append(
      el('div', {}, el('span', { class: 'key' }, Array.isArray(value) ? key : JSON.stringify(key)), ': ', tree(child, depth + 1, budget)),
    );
  }
  return node;
}

async function select(id: number): Promise<void> {
  state.selected = id;
  render();
  const response = await api(`/api/entries/${id}`);
  if (!response.ok) return;
  const { entry, body, attempts } = (await response.json()) as EntryAnswer;
  const fields: Array<[string, string | number | undefined]> = [
    ['Time', entry.at],
    ['Kind', entry.kind],
    ['Verdict', entry.verdict],
    ['Answered', entry.status],
    ['messageId', entry.messageId],
    ['Patient', entry.patientId],
    ['Stored as', entry.storedAs],
    ['App', entry.forward],
    ['From', entry.from],
  ];
  const parts: HTMLElement[] = [
    el('h2', {}, (entry.type || entry.kind) + (entry.messageId ? ` · ${entry.messageId}` : '')),
    el('p', { id: 'summary' }, entry.summary),
  ];
  parts.push(
    el(
      'table',
      { id: 'fields' },
      ...fields
        .filter(([, value]) => value !== undefined)
        .map(([name, value]) => el('tr', {}, el('td', {}, name), el('td', {}, String(value)))),
    ),
  );
  const headers = Object.entries(entry.headers);
  parts.push(
    el('h3', {}, 'Headers'),
    headers.length === 0
      ? el('p', { id: 'headers', class: 'hint' }, 'Not kept for this request.')
      : el('table', { id: 'headers' }, ...headers.map(([name, value]) => el('tr', {}, el('td', {}, name), el('td', {}, value)))),
  );
  if (attempts.length > 1) {
    parts.push(
      el('h3', {}, 'Deliveries of this messageId'),
      el(
        'ol',
        { id: 'attempts' },
        ...attempts.map((attempt) => el('li', {}, `${attempt.at} · ${attempt.kind} · answered ${attempt.status}`)),
      ),
    );
  }
  if (body !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
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
    const download = el('button', { id: 'download' }, 'Download the exact bytes');
    download.addEventListener('click', () => saveRaw(id));
    actions.append(download);
    parts.push(actions, el('div', { id: 'outcome', class: 'hint' }));
    if (parsed !== undefined)
      parts.push(el('h3', {}, 'Payload'), el('div', { class: 'tree', id: 'tree' }, tree(parsed, 0, { left: 5000 })));
    parts.push(
      el('h3', {}, 'Raw body'),
      el('pre', { id: 'raw' }, body.length > 200000 ? `${body.slice(0, 200000)}\n… (download for all of it)` : body),
    );
  }
  detail.replaceChildren(...parts);
  detail.scrollTop = 0;
}

async function send(id: number, edited?: string): Promise<void> {
  const outcome = element('outcome', HTMLElement);
  outcome.textContent = 'Sending…';
  const response = await api(`/api/entries/${id}/replay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(edited === undefined ? {} : { body: edited }),
  });
  const answer: unknown = await response.json();
  if (response.ok) {
    const replayed = answer as ReplayAnswer;
    outcome.textContent = `Replayed: the listener answered ${replayed.status} (${replayed.detail})`;
  } else {
    outcome.textContent = (answer as ErrorAnswer).error;
  }
}

function editor(id: number, body: string): void {
  const area = el('textarea', { id: 'edited' });
  area.value = body;
  const go = el('button', { id: 'send-edited' }, 'Sign and send');
  go.addEventListener('click', () => send(id, area.value));
  element('actions', HTMLElement).after(el('div', {}, area, go));
}

async function copyCurl(id: number): Promise<void> {
  const response = await api(`/api/entries/${id}/curl`);
  const text = await response.text();
  const outcome = element('outcome', HTMLElement);
  outcome.replaceChildren(el('pre', { id: 'curl-text' }, text));
  // Absent outside a secure context; the text is on the page either way.
  if (navigator.clipboard) navigator.clipboard.writeText(text).catch(() => undefined);
}

// A link cannot carry the header: the bytes are fetched with it and saved from memory.
async function saveRaw(id: number): Promise<void> {
  const response = await api(`/api/entries/${id}/raw`);
  if (!response.ok) return;
  const url = URL.createObjectURL(await response.blob());
  const link = el('a', { href: url, download: `message-${id}.json` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

filter.addEventListener('input', render);
kind.addEventListener('change', render);

function apply(batch: FeedBatch): void {
  // A batch, oldest first; the list is newest first. What the list already holds is skipped.
  const newest = state.entries[0]?.id ?? 0;
  const fresh = batch.entries.filter((entry) => entry.id > newest);
  for (const entry of fresh) state.entries.unshift(entry);
  state.received = Math.max(state.received, batch.received);
  if (state.entries.length > MAX_ROWS) state.entries.length = MAX_ROWS;
  // The server sends at most two batches a second (one every two seconds under a flood): each is drawn as it comes.
  addRows(fresh);
}

/** What a page without a working token shows: how to get in, and nothing else. */
function locked(): void {
  document.body.replaceChildren(
    el(
      'main',
      { id: 'locked' },
      el('h1', {}, 'This inspector needs its link'),
      el(
        'p',
        {},
        'Open the link `metriport-webhook listen` printed (with its token). Run the command again, or `metriport-webhook inspect <captures>`.',
      ),
    ),
  );
}

/**
 * The live feed: the same server-sent events EventSource reads, read from a fetch() stream instead, because
 * EventSource cannot send the token's header. Resolves when the stream ends.
 */
async function follow(onOpen: () => void, onBatch: (batch: FeedBatch) => void): Promise<void> {
  const response = await api('/api/events');
  if (!response.ok || response.body === null) return;
  onOpen();
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffered += value;
    const events = buffered.split('\n\n');
    buffered = events.pop() ?? '';
    for (const event of events) {
      const data = event
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n');
      if (data !== '') onBatch(JSON.parse(data) as FeedBatch);
    }
  }
}

(async () => {
  if (token === 'moving') return;
  if (token === undefined) {
    locked();
    return;
  }
  // The feed opens before the list is read, so nothing that arrives in between is missed.
  const early: FeedBatch[] = [];
  let loaded = false;
  const opened = new Promise<void>((resolve) => {
    void follow(resolve, (batch) => {
      if (loaded) apply(batch);
      else early.push(batch);
    }).finally(resolve);
  });
  await opened;
  const response = await api('/api/entries');
  if (!response.ok) return;
  const data = (await response.json()) as EntriesAnswer;
  state.entries = data.entries;
  state.received = data.received;
  state.replay = data.replay;
  render();
  loaded = true;
  for (const batch of early) apply(batch);
})();
