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
type AppResponse = import('../entry.js').AppResponse;
type FlowSummary = import('../entry.js').FlowSummary;

// ---------------------------------------------------------------------------------------------------------
// The credential. The printed URL carries the session's token in its fragment (`/#token=…`), which the
// browser never sends anywhere. It is read here, before anything else runs, kept in this tab's sessionStorage
// (per origin, port included: no other local server and no other inspector sees it; a reload keeps it), and
// the page is loaded again as plain `/` in place of the entry that had it: the address bar, the history
// entry and its "typed URL" no longer hold it (history.replaceState would leave the typed URL). Every API
// call sends it as a header; nothing is ever a cookie, which the browser would send to every port of 127.0.0.1.
const TOKEN_KEY = 'metriport-webhook-inspector-token';
const token = takeToken();
let lockedOut = false;

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

/** What a page without a working token shows: how to get in, and nothing about the session. */
function locked(): void {
  if (lockedOut) return;
  lockedOut = true;
  try {
    sessionStorage.removeItem(TOKEN_KEY);
  } catch {
    // Nothing kept, nothing to remove.
  }
  document.title = 'Inspector · metriport-webhook';
  document.body.replaceChildren(
    el(
      'main',
      { id: 'locked' },
      el('span', { class: 'mark big', 'aria-hidden': 'true' }),
      el('h1', {}, 'This inspector needs its link'),
      el(
        'p',
        {},
        'It shows health data, so it opens only from the link ',
        el('code', {}, 'metriport-webhook listen'),
        ' printed, with its token:',
      ),
      el('code', { class: 'block' }, `Inspector: http://${location.host}/#token=…`),
      el('p', {}, 'Run the command again and open the link it prints. For capture files:'),
      el('code', { class: 'block' }, 'metriport-webhook inspect <captures>'),
      el('p', { class: 'hint' }, 'A link from an earlier run stops working when that run ends.'),
    ),
  );
}

// ---------------------------------------------------------------------------------------------------------
// State and the page's fixed parts.

type Tab = 'summary' | 'payload' | 'headers' | 'raw' | 'app' | 'deliveries' | 'flow';
const TABS: ReadonlyArray<[Tab, string]> = [
  ['summary', 'Summary'],
  ['payload', 'Payload'],
  ['headers', 'Headers'],
  ['raw', 'Raw'],
  ['app', 'App response'],
  ['deliveries', 'Deliveries'],
  ['flow', 'Flow'],
];

interface PageState {
  /** Newest first. */
  entries: Entry[];
  received: number;
  loaded: boolean;
  selected: number | undefined;
  /** What the server sent for the selected entry. */
  shown: EntryAnswer | undefined;
  tab: Tab;
  replay: boolean;
  /** A sentence about the last action (a replay), shown with the next detail drawn. */
  notice: string | undefined;
  /** An entry to highlight once (a replay's arrival). */
  fresh: number | undefined;
  /** The flows of the entries held, by key, as the server last described them. */
  flows: Map<string, FlowSummary>;
  /** The list shows flows together (a line for each flow, its messages under it) instead of one line per request. */
  grouped: boolean;
}

const state: PageState = {
  entries: [],
  received: 0,
  loaded: false,
  selected: undefined,
  shown: undefined,
  tab: 'summary',
  replay: false,
  notice: undefined,
  fresh: undefined,
  flows: new Map(),
  grouped: false,
};
// The server keeps this many (2,000 requests and 500 refusals); the page keeps no more, and draws fewer (the filter finds the rest).
const MAX_ROWS = 2500;
const DRAWN_ROWS = 300;
/** Bounds on what one detail draws, whatever the payload: a 30 MB string must not freeze the tab. */
const TREE_NODES = 4000;
const TREE_CHARS = 400_000;
const STRING_SHOWN = 400;
const STRING_EXPANDED = 100_000;
const RAW_SHOWN = 200_000;
const EDITABLE_BYTES = 2 * 1024 * 1024;
/** Row cells and the summary are cut here too (the server already cuts them; a page never trusts that). */
const CELL_CHARS = 200;

const list = element('list', HTMLUListElement);
const detail = element('detail', HTMLElement);
const filter = element('filter', HTMLInputElement);
const kind = element('kind', HTMLSelectElement);
const count = element('count', HTMLElement);
const live = element('live', HTMLElement);
const empty = element('empty', HTMLElement);
const more = element('more', HTMLElement);
const group = element('group', HTMLButtonElement);

/** An element of index.html, or of the detail this page drew, as the type it is used as. */
function element<Type extends HTMLElement>(id: string, type: { new (): Type; prototype: Type }): Type {
  const found = document.getElementById(id);
  if (!(found instanceof type)) throw new Error(`The inspector page has no #${id} of the expected kind.`);
  return found;
}

type Child = Node | string | number | undefined | false;

/** A new element; attributes and children are set as text, never parsed as HTML. */
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
  for (const child of children) if (child !== undefined && child !== false) node.append(child instanceof Node ? child : String(child));
  return node;
}

function button(label: string, attrs: Record<string, string | undefined>, onClick: () => void): HTMLButtonElement {
  const made = el('button', { type: 'button', ...attrs }, label);
  made.addEventListener('click', onClick);
  return made;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

// ---------------------------------------------------------------------------------------------------------
// Rows.

/** The colour family of a type: Metriport's namespaces, plus the inspector's own kinds. */
function familyOf(entry: Entry): string {
  if (entry.kind === 'refused') return 'refused';
  if (entry.kind === 'ping') return 'ping';
  return familyOfType(entry.type ?? '');
}

function familyOfType(type: string): string {
  for (const family of ['medical', 'patient', 'network-query', 'devices', 'message']) if (type.startsWith(`${family}.`)) return family;
  return 'other';
}

function clock(at: string): string {
  const date = new Date(at);
  if (Number.isNaN(date.getTime())) return '--:--:--';
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map((part) => String(part).padStart(2, '0')).join(':');
}

/** The row's last cell: what became of the request, in a word. */
function outcomeOf(entry: Entry): { text: string; tone: 'ok' | 'bad' | 'warn' | 'muted'; title: string } {
  const answered = entry.status === undefined ? 'from a capture file' : `answered ${entry.status}`;
  if (entry.kind === 'refused') return { text: String(entry.status ?? 'refused'), tone: 'bad', title: entry.verdict };
  if (entry.kind === 'ping') return { text: 'pong', tone: 'ok', title: entry.summary };
  if (entry.kind === 'filtered') return { text: 'skip', tone: 'muted', title: entry.summary };
  if (entry.status !== undefined && entry.status >= 300) return { text: String(entry.status), tone: 'bad', title: entry.summary };
  if (entry.failed) return { text: 'failed', tone: 'bad', title: `${answered}; the payload reports a failure` };
  if (entry.kind === 'duplicate') return { text: 'dup', tone: 'warn', title: `a messageId already received; ${answered}` };
  if (entry.status === undefined) return { text: 'file', tone: 'muted', title: answered };
  return { text: String(entry.status), tone: 'ok', title: answered };
}

/** Each family's name, and the short form a narrow list shows (with the colour) instead. */
const FAMILY_SHORT: Record<string, string> = { medical: 'med', patient: 'pt', 'network-query': 'nq', devices: 'dev', message: 'msg' };

/** The type as a badge coloured by its family; where the list is narrow the family's name is shortened. */
function badge(entry: Entry | undefined, type: string): HTMLElement {
  const family = entry === undefined ? familyOfType(type) : familyOf(entry);
  const prefix = `${family}.`;
  const text = cut(type, CELL_CHARS);
  const short = FAMILY_SHORT[family];
  return short !== undefined && type.startsWith(prefix) && type.length > prefix.length
    ? el(
        'span',
        { class: `badge fam-${family}` },
        el('span', { class: 'prefix' }, prefix),
        el('span', { class: 'abbr' }, `${short}.`),
        text.slice(prefix.length),
      )
    : el('span', { class: `badge fam-${family}` }, text);
}

/** How it was verified, in words. */
function verdictWords(entry: Entry): string {
  if (entry.verdict === 'signature') return 'signature verified';
  if (entry.verdict === 'legacy key') return 'verified by the legacy x-webhook-key';
  return entry.verdict;
}

/**
 * A request's line. In a flow's group (`flow`) its time is counted from the flow's first event, and it sits
 * under the flow's own line.
 */
function row(entry: Entry, flow?: FlowSummary): HTMLLIElement {
  const outcome = outcomeOf(entry);
  const type = entry.type ?? entry.kind;
  const item = el(
    'li',
    {
      'data-id': String(entry.id),
      'data-kind': entry.kind,
      'data-failed': entry.failed ? '' : undefined,
      'data-flow': entry.flow,
      class:
        [state.selected === entry.id ? 'selected' : '', state.fresh === entry.id ? 'fresh' : '', flow !== undefined ? 'in-flow' : '']
          .join(' ')
          .trim() || undefined,
      'aria-selected': state.selected === entry.id ? 'true' : undefined,
      title: cut([type, entry.messageId, entry.patientId && `patient ${entry.patientId}`, entry.summary].filter(Boolean).join('\n'), 600),
    },
    el('span', { class: 'time' }, flow === undefined ? clock(entry.at) : offset(Date.parse(entry.at) - Date.parse(flow.firstAt))),
    // Under its flow's line, the rail of the group stands for the mark.
    flow === undefined ? flowMark(entry.flow, entry.noRequestId) : el('span', { class: 'flow rail' }),
    badge(entry, type),
    el('span', { class: 'mid' }, entry.messageId ? entry.messageId.slice(0, 8) : '—'),
    // A refusal has no patient: its reason, at a glance, instead.
    el('span', { class: 'patient' }, cut(entry.kind === 'refused' ? entry.summary : (entry.patientId ?? ''), CELL_CHARS)),
    el('span', { class: `outcome ${outcome.tone}` }, outcome.text),
  );
  item.addEventListener('click', () => void select(entry.id));
  return item;
}

// ---------------------------------------------------------------------------------------------------------
// Flows: the messages of one requestId (of one hospital stay, for ADT), described by the server.

/** How a flow stands, in a word that is also its colour. */
function flowTone(flow: FlowSummary): 'waiting' | 'failed' | 'complete' | 'open' {
  if (flow.state === 'waiting') return 'waiting';
  if (flow.failed) return 'failed';
  return flow.state;
}

function flowStateWords(flow: FlowSummary): string {
  switch (flowTone(flow)) {
    case 'waiting':
      return `waiting for ${flow.waitingFor.join(', ')}`;
    case 'failed':
      return 'ended with a failure';
    case 'complete':
      return 'complete';
    case 'open':
      return 'more may come';
  }
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** A span of time, short: 850 ms, 4.215 s, 12.5 s, 3 min 5 s, 26 h 3 min. */
function duration(ms: number): string {
  const at = Math.max(0, ms);
  if (at < 1000) return `${Math.round(at)} ms`;
  // Milliseconds under 10 s: two messages of one flow often arrive moments apart.
  if (at < 60_000) return `${(at / 1000).toFixed(at < 10_000 ? 3 : 1)} s`;
  const minutes = Math.floor(at / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.floor((at % 60_000) / 1000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** A time from the flow's first event. */
function offset(ms: number): string {
  return Number.isNaN(ms) ? '' : `+${duration(ms)}`;
}

/**
 * A row's flow mark: a dot coloured by how its flow stands, where the flow is worth a look (more than one
 * message, or waiting); a ring for a message that cannot be tied to its flow; nothing otherwise.
 */
function flowMark(key: string | undefined, noRequestId: boolean): HTMLElement {
  const mark = el('span', { class: 'flow' });
  setFlowMark(mark, key, noRequestId);
  return mark;
}

function setFlowMark(mark: HTMLElement, key: string | undefined, noRequestId: boolean): void {
  const flow = key === undefined ? undefined : state.flows.get(key);
  const words = noRequestId
    ? 'No requestId: cannot be tied to its flow'
    : worthShowing(flow)
      ? `${flow.label}, ${plural(flow.messages, 'message')}: ${flowStateWords(flow)}`
      : undefined;
  if (words === undefined) {
    for (const name of ['data-tone', 'title', 'aria-label', 'role']) mark.removeAttribute(name);
    return;
  }
  mark.dataset.tone = noRequestId || flow === undefined ? 'untied' : flowTone(flow);
  mark.title = words;
  mark.setAttribute('role', 'img');
  mark.setAttribute('aria-label', words);
}

/** After the flows changed: the marks of the rows drawn, and an open Flow tab, follow. */
function flowsChanged(keys: ReadonlySet<string>): void {
  if (keys.size === 0) return;
  if (state.grouped) render();
  else {
    for (const item of Array.from(list.children) as HTMLElement[]) {
      const key = item.dataset.flow;
      const mark = item.querySelector<HTMLElement>('.flow');
      if (key !== undefined && keys.has(key) && mark !== null) setFlowMark(mark, key, false);
    }
  }
  const shown = state.shown?.entry.flow;
  // Redrawn only on the Flow tab, and never over an open editor.
  if (state.tab === 'flow' && shown !== undefined && keys.has(shown) && document.getElementById('editor') === null) void reloadDetail();
}

/** Whether a flow is worth a line (or a mark) of its own: more than one message, or one still waiting. */
function worthShowing(flow: FlowSummary | undefined): flow is FlowSummary {
  return flow !== undefined && (flow.messages > 1 || flow.state === 'waiting');
}

/** A flow's own line in the grouped list: how it stands, what it is, how long it took; a click opens its Flow tab. */
function flowRow(key: string, flow: FlowSummary, members: Entry[]): HTMLLIElement {
  const tone = flowTone(flow);
  const newest = members.at(-1);
  const words = `${flow.label}, ${plural(flow.messages, 'message')}: ${flowStateWords(flow)}`;
  const item = el(
    'li',
    { class: 'flow-head', 'data-flow': key, title: cut(words, 600) },
    el('span', { class: 'time' }, clock(flow.firstAt)),
    el('span', { class: 'flow', 'data-tone': tone, role: 'img', 'aria-label': words }),
    el('span', { class: 'flow-label' }, flow.label),
    el('span', { class: 'mid' }, duration(flow.spanMs)),
    el(
      'span',
      { class: 'patient' },
      cut(flow.state === 'waiting' ? `waiting for ${flow.waitingFor.join(', ')}` : plural(members.length, 'message'), CELL_CHARS),
    ),
    el(
      'span',
      { class: `outcome ${tone === 'waiting' ? 'warn' : tone === 'failed' ? 'bad' : tone === 'complete' ? 'ok' : 'muted'}` },
      tone === 'complete' ? 'done' : tone,
    ),
  );
  if (newest !== undefined)
    item.addEventListener('click', () => {
      state.tab = 'flow';
      void select(newest.id);
    });
  return item;
}

/**
 * The grouped list: each flow's line where its newest message would be, its messages under it, oldest first.
 * A flow of one message that waits for nothing stays a plain line.
 */
function groupedRows(shown: Entry[]): HTMLLIElement[] {
  const members = new Map<string, Entry[]>();
  for (const entry of shown) if (entry.flow !== undefined) members.set(entry.flow, [entry, ...(members.get(entry.flow) ?? [])]);
  const drawn: HTMLLIElement[] = [];
  const done = new Set<string>();
  for (const entry of shown) {
    if (drawn.length >= DRAWN_ROWS) break;
    const flow = entry.flow === undefined ? undefined : state.flows.get(entry.flow);
    if (entry.flow === undefined || !worthShowing(flow)) {
      drawn.push(row(entry));
      continue;
    }
    if (done.has(entry.flow)) continue;
    done.add(entry.flow);
    const inFlow = members.get(entry.flow) ?? [];
    drawn.push(flowRow(entry.flow, flow, inFlow), ...inFlow.map((member) => row(member, flow)));
  }
  return drawn.slice(0, DRAWN_ROWS);
}

// Read from the form once per pass over the list, not once per entry: a batch counts all 2,500 entries.
function matcher(): (entry: Entry) => boolean {
  const wantedKind = kind.value;
  const text = filter.value.trim().toLowerCase();
  return (entry) => {
    if (wantedKind === 'problems') {
      if (!(entry.kind === 'refused' || entry.failed || (entry.status !== undefined && entry.status >= 300))) return false;
    } else if (wantedKind === 'waiting') {
      if (entry.flow === undefined || state.flows.get(entry.flow)?.state !== 'waiting') return false;
    } else if (wantedKind && entry.kind !== wantedKind) return false;
    if (!text) return true;
    return [entry.type, entry.patientId, entry.messageId, entry.requestId, entry.summary, entry.verdict, entry.storedAs].some((field) =>
      field?.toLowerCase().includes(text),
    );
  };
}

function updateCounts(shown: number): void {
  more.textContent = shown > DRAWN_ROWS ? `${shown - DRAWN_ROWS} more: filter to narrow the list` : '';
  const held = state.entries.length;
  const filtered = filter.value.trim() !== '' || kind.value !== '';
  // In a burst the live feed sends the newest requests only (a reload lists all that are held), and only
  // 2,500 are held: say how many arrived in all.
  count.textContent = [
    filtered ? `${shown} of ${held}` : `${held} request${held === 1 ? '' : 's'}`,
    state.received > held ? `${state.received} received` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  drawEmpty(shown);
}

/** The list's empty state, saying why it is empty. */
function drawEmpty(shown: number): void {
  empty.hidden = !state.loaded || shown > 0;
  if (empty.hidden) return;
  if (state.entries.length === 0) {
    empty.replaceChildren(
      ...(state.replay
        ? [
            el('p', { class: 'big' }, 'Waiting for the first request'),
            el('p', {}, 'Metriport’s messages appear here the moment they arrive, newest first. To send one now:'),
            el('code', { class: 'block' }, 'metriport-webhook trigger patient.admit'),
          ]
        : [el('p', { class: 'big' }, 'No captured messages'), el('p', {}, 'The files given to inspect held no message to show.')]),
    );
    return;
  }
  const text = filter.value.trim();
  const label = kind.selectedOptions[0]?.textContent ?? '';
  empty.replaceChildren(
    el('p', { class: 'big' }, text ? `No request matches “${cut(text, 80)}”` : `No ${label.toLowerCase()} yet`),
    el(
      'p',
      {},
      `${state.entries.length} request${state.entries.length === 1 ? ' is' : 's are'} held; ${text && kind.value ? `“${label}” and the text filter hide` : text ? 'the text filter hides' : 'this view hides'} all of them.`,
    ),
    button('Show all requests', { id: 'clear-filter', class: 'secondary' }, () => {
      filter.value = '';
      kind.value = '';
      render();
    }),
  );
}

let drawnFor: string | undefined;
function render(): void {
  const shown = state.entries.filter(matcher());
  list.replaceChildren(...(state.grouped ? groupedRows(shown) : shown.slice(0, DRAWN_ROWS).map((entry) => row(entry))));
  drawnFor = `${filter.value}\u0000${kind.value}`;
  updateCounts(shown.length);
  // A selection the filter hides is let go: the right side never shows what the list does not.
  if (state.selected !== undefined && !shown.some((entry) => entry.id === state.selected)) deselect();
}

// New rows are added at the top and the oldest drawn ones removed: a burst costs the tab the rows that
// arrived, not a redraw of the whole list.
function addRows(batch: Entry[]): void {
  // Grouped, a new message can move its flow's line: the list is drawn again.
  if (state.grouped || drawnFor !== `${filter.value}\u0000${kind.value}`) {
    render();
    return;
  }
  const matches = matcher();
  const fresh = batch
    .filter(matches)
    .reverse()
    .slice(0, DRAWN_ROWS)
    .map((entry) => row(entry));
  list.prepend(...fresh);
  while (list.children.length > DRAWN_ROWS) list.lastElementChild?.remove();
  let shown = 0;
  for (const entry of state.entries) if (matches(entry)) shown += 1;
  updateCounts(shown);
}

function markSelected(): void {
  for (const item of Array.from(list.children)) {
    const selected = (item as HTMLElement).dataset.id === String(state.selected);
    item.classList.toggle('selected', selected);
    if (selected) item.setAttribute('aria-selected', 'true');
    else item.removeAttribute('aria-selected');
  }
}

// ---------------------------------------------------------------------------------------------------------
// The detail: a head (what it is, what became of it, the actions) and tabs drawn when opened.

function placeholder(): void {
  detail.replaceChildren(
    el(
      'div',
      { class: 'empty placeholder' },
      el('p', { class: 'big' }, state.entries.length === 0 ? 'Nothing to show yet' : 'Select a request'),
      el(
        'p',
        {},
        state.entries.length === 0
          ? 'Requests appear on the left as they arrive.'
          : 'Its summary, payload, headers, exact bytes and what your app answered appear here.',
      ),
      state.entries.length > 0 && el('p', { class: 'hint' }, 'Keys: ↑ ↓ (or j k) move through the list, / filters, Esc goes back.'),
    ),
  );
}

function deselect(): void {
  state.selected = undefined;
  state.shown = undefined;
  document.body.classList.remove('detail-open');
  markSelected();
  placeholder();
}

let selecting = 0;
async function select(id: number, options: { keepNotice?: boolean } = {}): Promise<void> {
  const turn = ++selecting;
  state.selected = id;
  if (!options.keepNotice) state.notice = undefined;
  markSelected();
  document.body.classList.add('detail-open');
  const response = await api(`/api/entries/${id}`);
  if (turn !== selecting || lockedOut) return;
  if (!response.ok) {
    detail.replaceChildren(
      el(
        'div',
        { class: 'empty placeholder' },
        el('p', { class: 'big' }, 'This request is no longer held'),
        el('p', {}, 'The inspector keeps the newest 2,000 requests and 500 refusals.'),
      ),
    );
    return;
  }
  state.shown = (await response.json()) as EntryAnswer;
  if (turn !== selecting) return;
  drawDetail();
}

/** The selected request read again and drawn where it is (its flow moved on), without opening or moving anything. */
async function reloadDetail(): Promise<void> {
  const id = state.selected;
  if (id === undefined) return;
  const turn = ++selecting;
  const response = await api(`/api/entries/${id}`);
  if (turn !== selecting || lockedOut || !response.ok) return;
  const answer = (await response.json()) as EntryAnswer;
  if (turn !== selecting || state.selected !== id) return;
  state.shown = answer;
  drawDetail();
}

function drawDetail(): void {
  const shown = state.shown;
  if (shown === undefined) return;
  const { entry } = shown;
  const outcome = outcomeOf(entry);
  const head = el(
    'div',
    { class: 'head' },
    button('← Requests', { id: 'back', class: 'link' }, () => document.body.classList.remove('detail-open')),
    el(
      'h2',
      {},
      el('span', { class: `badge fam-${familyOf(entry)}` }, cut(entry.type ?? entry.kind, CELL_CHARS)),
      el('span', { class: `outcome ${outcome.tone}`, title: outcome.title }, outcome.text),
    ),
    el('p', { class: 'ident' }, entry.messageId ? cut(entry.messageId, CELL_CHARS) : `request #${entry.id} · no messageId`),
    el('p', { class: 'when' }, new Date(entry.at).toLocaleString(), ' · ', verdictWords(entry)),
  );
  const actions = el('div', { id: 'actions' });
  if (shown.body !== undefined) {
    if (state.replay) {
      actions.append(
        button(
          'Replay',
          { id: 'replay', class: 'primary', title: 'Sign the exact bytes again and send them to this listener' },
          () => void replay(entry.id),
        ),
        button('Edit and replay', { id: 'edit', title: 'Change the JSON, then sign and send it' }, () =>
          openEditor(entry, shown.body ?? ''),
        ),
        button(
          'Copy as curl',
          { id: 'curl', title: 'A curl command with a fresh signature, for the downloaded file' },
          () => void copyCurl(entry.id),
        ),
      );
    }
    actions.append(
      button('Download', { id: 'download', title: `The exact bytes, as message-${entry.id}.json` }, () => void saveRaw(entry.id)),
    );
  }
  const outcomeLine = el('div', { id: 'outcome', role: 'status' }, state.notice);
  const tabs = el('div', { class: 'tabs', role: 'tablist' });
  for (const [name, label] of TABS) {
    const count = name === 'deliveries' ? shown.attempts.length : name === 'flow' ? (shown.flow?.messages ?? 0) : 0;
    const extra = count > 1 ? ` ${count}` : '';
    const attrs = {
      id: `tab-${name}`,
      role: 'tab',
      'aria-selected': String(state.tab === name),
      // A flow still waiting shows it on its tab.
      'data-tone': name === 'flow' && shown.flow !== undefined ? flowTone(shown.flow) : undefined,
    };
    const tab = button(`${label}${extra}`, attrs, () => {
      state.tab = name;
      drawDetail();
    });
    tabs.append(tab);
  }
  const panel = el('div', { id: 'panel', role: 'tabpanel', 'aria-labelledby': `tab-${state.tab}` }, ...tabPanel(state.tab, shown));
  detail.replaceChildren(head, actions.childElementCount > 0 ? actions : '', outcomeLine, tabs, panel);
}

function tabPanel(tab: Tab, shown: EntryAnswer): Child[] {
  switch (tab) {
    case 'summary':
      return summaryPanel(shown);
    case 'payload':
      return payloadPanel(shown);
    case 'headers':
      return headersPanel(shown);
    case 'raw':
      return rawPanel(shown);
    case 'app':
      return appPanel(shown);
    case 'deliveries':
      return deliveriesPanel(shown);
    case 'flow':
      return flowPanel(shown);
  }
}

function summaryPanel({ entry }: EntryAnswer): Child[] {
  const fields: Array<[string, string | number | undefined]> = [
    ['Time', entry.at],
    ['Kind', entry.kind],
    ['Verdict', entry.verdict],
    ['Answered', entry.status],
    ['messageId', entry.messageId],
    ['requestId', entry.requestId ?? (entry.noRequestId ? 'none: it cannot be tied to its flow' : undefined)],
    ['Patient', entry.patientId],
    ['Stored as', entry.storedAs],
    ['App', entry.forward],
    ['From', entry.from],
  ];
  return [
    el('p', { id: 'summary' }, cut(entry.summary, 2000)),
    entry.failed
      ? el(
          'p',
          { class: 'callout bad' },
          'The payload reports a failure (a status of “failed”): Metriport delivered it, but what it was asked to do did not succeed.',
        )
      : '',
    el(
      'table',
      { id: 'fields', class: 'pairs' },
      ...fields
        .filter(([, value]) => value !== undefined)
        .map(([name, value]) => el('tr', {}, el('th', { scope: 'row' }, name), el('td', {}, cut(String(value), 2000)))),
    ),
  ];
}

function payloadPanel({ entry, body }: EntryAnswer): Child[] {
  if (body === undefined) return [noBody(entry)];
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return [emptyState('Not JSON', 'This body does not parse as JSON; the Raw tab shows it as it came.')];
  }
  const budget = { nodes: TREE_NODES, chars: TREE_CHARS };
  const drawn = tree(parsed, 0, budget);
  return [
    el('div', { class: 'tree', id: 'tree' }, drawn),
    budget.nodes <= 0 || budget.chars <= 0
      ? el('p', { class: 'hint' }, 'Only part of this payload is drawn here: Raw and Download have all of it.')
      : '',
  ];
}

function headersPanel({ entry }: EntryAnswer): Child[] {
  const headers = Object.entries(entry.headers);
  if (headers.length === 0) {
    const why =
      entry.kind === 'ping'
        ? 'A ping is answered at once; its headers are not kept.'
        : entry.kind === 'filtered'
          ? 'A request left out by --events keeps its row only.'
          : 'Under a flood, or once its bytes are dropped, a request keeps its row only.';
    return [el('p', { id: 'headers', class: 'hint' }, 'Not kept for this request.'), el('p', { class: 'hint' }, why)];
  }
  return [
    el(
      'table',
      { id: 'headers', class: 'pairs mono' },
      ...headers.map(([name, value]) => el('tr', {}, el('th', { scope: 'row' }, cut(name, CELL_CHARS)), el('td', {}, cut(value, 4000)))),
    ),
  ];
}

function rawPanel({ entry, body }: EntryAnswer): Child[] {
  if (body === undefined) return [noBody(entry)];
  const shown = body.length > RAW_SHOWN ? body.slice(0, RAW_SHOWN) : body;
  return [
    el('pre', { id: 'raw' }, shown),
    body.length > RAW_SHOWN
      ? el(
          'p',
          { class: 'hint' },
          `The first ${RAW_SHOWN.toLocaleString()} of ${body.length.toLocaleString()} characters: Download has all of it.`,
        )
      : '',
  ];
}

function appPanel({ entry, app }: EntryAnswer): Child[] {
  if (app === undefined) {
    if (entry.kind !== 'message' && entry.kind !== 'duplicate')
      return [
        emptyState('No app for this request', 'Only verified messages (and their repeats) are forwarded to your app.', 'app-response'),
      ];
    if (entry.status === undefined)
      return [emptyState('Not recorded in captures', 'A capture file keeps the message, not what your app answered.', 'app-response')];
    return [
      emptyState(
        'Not forwarded',
        'Start listen with --forward-to and each message goes to your app, exact bytes and signature; its answer shows here.',
        'app-response',
        'metriport-webhook listen --forward-to http://127.0.0.1:3000/webhook',
      ),
    ];
  }
  return [el('div', { id: 'app-response' }, ...appAnswer(app))];
}

function appAnswer(app: AppResponse): Child[] {
  if (app.kind === 'failed') {
    const why =
      app.reason === 'timeout'
        ? `no answer within ${app.timeoutMs} ms`
        : app.reason === 'queued'
          ? 'too many forwards waiting'
          : 'the app could not be reached';
    return [
      el('p', { class: 'status-line' }, el('span', { class: 'outcome bad' }, String(app.status)), ' ', why),
      el('p', { class: 'mono url' }, app.url),
      el('p', { class: 'hint' }, cut(app.detail, 2000)),
    ];
  }
  let body = app.body;
  try {
    body = JSON.stringify(JSON.parse(app.body), null, 2);
  } catch {
    // Not JSON: shown as it came.
  }
  const ok = app.status >= 200 && app.status < 300;
  return [
    el(
      'p',
      { class: 'status-line' },
      el('span', { class: `outcome ${ok ? 'ok' : 'bad'}` }, String(app.status)),
      ` in ${app.durationMs} ms`,
    ),
    el('p', { class: 'mono url' }, app.url),
    app.body === '' ? el('p', { class: 'hint' }, 'An empty body.') : el('pre', { id: 'app-body' }, cut(body, RAW_SHOWN)),
  ];
}

function deliveriesPanel({ entry, attempts }: EntryAnswer): Child[] {
  if (entry.messageId === undefined)
    return [emptyState('No messageId', 'Deliveries are grouped by meta.messageId; this request has none.', 'attempts')];
  const items = el(
    'ol',
    { id: 'attempts' },
    ...attempts.map((attempt) => {
      const outcome = outcomeOf(attempt);
      const item = el(
        'li',
        { class: attempt.id === entry.id ? 'attempt current' : 'attempt' },
        el('span', { class: 'time' }, clock(attempt.at)),
        el('span', {}, attempt.kind === 'duplicate' ? 'repeat' : 'first delivery'),
        el('span', { class: `outcome ${outcome.tone}` }, outcome.text),
        attempt.id === entry.id ? el('span', { class: 'hint' }, 'this one') : '',
      );
      if (attempt.id !== entry.id) item.addEventListener('click', () => void select(attempt.id));
      return item;
    }),
  );
  return [
    items,
    el(
      'p',
      { class: 'hint' },
      attempts.length === 1
        ? 'One delivery of this messageId so far. Metriport sends a message again when it was not answered 2xx; Replay sends one too.'
        : 'Every delivery of this messageId that is still held, oldest first.',
    ),
  ];
}

/**
 * The Flow tab: the call that started it (when the emulator answered it), every message of it still held in
 * arrival order with its time from the first event, each a click away, and what has not arrived.
 */
function flowPanel({ entry, flow }: EntryAnswer): Child[] {
  if (flow === undefined) return noFlow(entry);
  const tone = flowTone(flow);
  const steps = el('ol', { id: 'flow-steps', class: 'timeline' });
  if (flow.startedBy !== undefined) {
    const { call, offsetMs, sources } = flow.startedBy;
    steps.append(
      el(
        'li',
        { class: 'step call' },
        el('span', { class: 'offset' }, offset(offsetMs)),
        el('span', { class: 'what' }, 'API call'),
        el('code', { class: 'call-text' }, cut(call, CELL_CHARS)),
        sources === undefined ? '' : el('span', { class: 'hint' }, `sources: ${cut(sources.join(', '), CELL_CHARS)}`),
      ),
    );
  }
  for (const step of flow.steps) {
    const current = step.entry.id === entry.id;
    const outcome = outcomeOf(step.entry);
    const item = el(
      'li',
      { class: current ? 'step message current' : 'step message', 'data-id': String(step.entry.id) },
      el('span', { class: 'offset' }, offset(step.offsetMs)),
      el('span', { class: 'time' }, clock(step.entry.at)),
      badge(step.entry, step.entry.type ?? step.entry.kind),
      el('span', { class: 'mid' }, step.entry.messageId ? step.entry.messageId.slice(0, 8) : '—'),
      el('span', { class: `outcome ${outcome.tone}`, title: outcome.title }, outcome.text),
    );
    if (!current) item.addEventListener('click', () => void select(step.entry.id));
    else item.setAttribute('aria-current', 'true');
    steps.append(item);
  }
  for (const type of flow.waitingFor) {
    steps.append(
      el(
        'li',
        { class: 'step missing' },
        el('span', { class: 'offset' }, '…'),
        el('span', { class: 'what' }, 'not arrived'),
        badge(undefined, type),
      ),
    );
  }
  const ids =
    flow.kind === 'adt'
      ? `patient ${flow.patientId ?? '?'} · one requestId per HL7 message (${flow.requestIds.length})`
      : `requestId ${flow.requestIds[0] ?? flow.key}`;
  return [
    el(
      'div',
      { id: 'flow', class: `flow-card tone-${tone}` },
      el(
        'div',
        { class: 'flow-title' },
        el('span', { class: `pill ${tone}` }, tone === 'complete' ? 'complete' : tone),
        el('strong', {}, flow.label),
        el('span', { class: 'hint' }, `${plural(flow.messages, 'message')} · ${duration(flow.spanMs)}`),
      ),
      el('p', { class: 'flow-ids mono' }, cut(ids, 400)),
      flow.state === 'waiting'
        ? el('p', { id: 'flow-waiting', class: 'callout warn' }, `Waiting for ${flow.waitingFor.join(' and ')}.`)
        : '',
      steps,
      el('p', { id: 'flow-note', class: 'hint' }, cut(flow.note, 2000)),
    ),
  ];
}

/** Why a request is in no flow; for a message that lost its requestId, the flows of its patient held here. */
function noFlow(entry: Entry): Child[] {
  if (entry.kind !== 'message' && entry.kind !== 'duplicate')
    return [
      emptyState('Part of no flow', 'Only Metriport’s messages belong to flows; pings, filtered and refused requests do not.', 'flow'),
    ];
  if (entry.requestId !== undefined)
    return [
      emptyState(
        'Not grouped',
        'ADT messages are grouped by patient and admitTimestamp (one hospital stay), since each HL7 message has a requestId of its own; this one has no admitTimestamp.',
        'flow',
      ),
    ];
  if (!entry.noRequestId)
    return [
      emptyState(
        'Part of no flow',
        `It has no meta.requestId: ${entry.type ?? 'this'} messages are not answers to an API request.`,
        'flow',
      ),
    ];
  const related = [...state.flows.values()]
    .filter((flow) => entry.patientId !== undefined && flow.patientId === entry.patientId)
    .slice(0, 5);
  return [
    emptyState(
      'No requestId: cannot be tied to its flow',
      'This message has no meta.requestId, so nothing ties it to the API call that started it or to that call’s other messages. Metriport’s sandbox sends medical.document-conversion this way; match it by patient and time.',
      'flow',
    ),
    related.length === 0
      ? ''
      : el(
          'div',
          { class: 'related' },
          el('p', { class: 'hint' }, `Flows of patient ${cut(entry.patientId ?? '', CELL_CHARS)} held here:`),
          el(
            'ul',
            { id: 'related-flows' },
            ...related.map((flow) => {
              const newest = state.entries.find((one) => one.flow === flow.key);
              const item = el(
                'li',
                { class: 'related-flow' },
                el('span', { class: 'flow', 'data-tone': flowTone(flow) }),
                el('span', { class: 'time' }, clock(flow.firstAt)),
                el('span', {}, `${flow.label}: ${flowStateWords(flow)}`),
              );
              if (newest !== undefined)
                item.addEventListener('click', () => {
                  state.tab = 'flow';
                  void select(newest.id);
                });
              return item;
            }),
          ),
        ),
  ];
}

function noBody(entry: Entry): HTMLElement {
  if (entry.kind === 'refused')
    return emptyState('No body kept', 'A refused request keeps its headers, never its body: it was not verified.');
  if (entry.kind === 'ping' || entry.kind === 'filtered')
    return emptyState('No body kept', 'Pings and filtered requests keep their row only.');
  return emptyState(
    'The body is no longer held',
    'The inspector keeps 64 MB of bodies and drops the oldest first; the row stays. --out keeps every message as a file.',
  );
}

function emptyState(title: string, text: string, id?: string, command?: string): HTMLElement {
  return el(
    'div',
    { class: 'empty', id },
    el('p', { class: 'big' }, title),
    el('p', {}, text),
    command ? el('code', { class: 'block' }, command) : '',
  );
}

/** The payload as a collapsible tree, within a budget of nodes and characters however big it is. */
function tree(value: unknown, depth: number, budget: { nodes: number; chars: number }, name?: string): Node {
  budget.nodes -= 1;
  const label = name === undefined ? [] : [el('span', { class: 'key' }, name), ': '];
  if (value === null || typeof value !== 'object') return el('div', {}, ...label, leaf(value, budget));
  const keys = Object.keys(value);
  const size = Array.isArray(value) ? `[${keys.length}]` : `{${keys.length}}`;
  if (depth > 60) return el('div', {}, ...label, el('span', { class: 'hint' }, `${size} …`));
  const node = el('details', depth < 3 ? { open: '' } : {}, el('summary', {}, ...label, el('span', { class: 'size' }, size)));
  const children = el('div', { class: 'children' });
  let drawn = 0;
  for (const key of keys) {
    if (budget.nodes <= 0 || budget.chars <= 0) break;
    const child = (value as Record<string, unknown>)[key];
    const childName = Array.isArray(value) ? key : JSON.stringify(cut(key, CELL_CHARS));
    budget.chars -= childName.length;
    children.append(tree(child, depth + 1, budget, childName));
    drawn += 1;
  }
  if (drawn < keys.length) children.append(el('div', { class: 'hint' }, `… ${keys.length - drawn} more not drawn (Raw has them)`));
  node.append(children);
  return node;
}

function leaf(value: unknown, budget: { chars: number }): Node {
  if (typeof value !== 'string') {
    const text = JSON.stringify(value) ?? String(value);
    budget.chars -= text.length;
    return el('span', { class: value === null ? 'null' : typeof value }, text);
  }
  const shown = Math.max(0, Math.min(STRING_SHOWN, budget.chars));
  budget.chars -= Math.min(value.length, STRING_SHOWN);
  if (value.length <= shown) {
    if (/^https:\/\//.test(value))
      return el('a', { href: value, rel: 'noopener noreferrer', target: '_blank', class: 'string' }, JSON.stringify(value));
    return el('span', { class: 'string' }, JSON.stringify(value));
  }
  // A long string: its start, and a button for more (up to a bound; Raw and Download have the rest).
  const span = el('span', { class: 'string' }, `${JSON.stringify(value.slice(0, shown)).slice(0, -1)}…`);
  const rest = button(`+${(value.length - shown).toLocaleString()} characters`, { class: 'link more' }, () => {
    const expanded = value.slice(0, STRING_EXPANDED);
    span.textContent = `${JSON.stringify(expanded).slice(0, value.length > STRING_EXPANDED ? -1 : undefined)}${value.length > STRING_EXPANDED ? '…' : ''}`;
    rest.replaceWith(
      value.length > STRING_EXPANDED
        ? el('span', { class: 'hint' }, ` (${value.length.toLocaleString()} characters: Raw or Download for all)`)
        : '',
    );
  });
  return el('span', {}, span, ' ', rest);
}

// ---------------------------------------------------------------------------------------------------------
// Actions: replay, edit and replay, curl, download.

async function replay(id: number, edited?: string): Promise<ReplayAnswer | undefined> {
  const outcome = element('outcome', HTMLElement);
  outcome.textContent = 'Sending…';
  const response = await api(`/api/entries/${id}/replay`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(edited === undefined ? {} : { body: edited }),
  });
  const answer: unknown = await response.json().catch(() => ({ error: `the inspector answered ${response.status}` }));
  if (!response.ok) {
    outcome.textContent = (answer as ErrorAnswer).error;
    return undefined;
  }
  const replayed = answer as ReplayAnswer;
  state.notice = `Replayed: the listener answered ${replayed.status ?? 'nothing'} (${replayed.detail})`;
  outcome.textContent = state.notice;
  // The listener recorded it before answering: read the list now rather than wait for the feed.
  await refresh();
  if (edited === undefined && state.selected === id) await select(id, { keepNotice: true });
  return replayed;
}

/** A new messageId, so an edited message is taken as new rather than dropped as a duplicate. */
function newMessageId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x40;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function messageIdIn(parsed: unknown): string | undefined {
  const meta = typeof parsed === 'object' && parsed !== null ? (parsed as { meta?: unknown }).meta : undefined;
  const id = typeof meta === 'object' && meta !== null ? (meta as { messageId?: unknown }).messageId : undefined;
  return typeof id === 'string' ? id : undefined;
}

function withMessageId(parsed: unknown, messageId: string): unknown {
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return parsed;
  const record = parsed as Record<string, unknown>;
  const meta = typeof record.meta === 'object' && record.meta !== null ? record.meta : {};
  return { ...record, meta: { ...meta, messageId } };
}

/** Where the JSON stops parsing, in words: V8's message, which names the line and column. */
function parseProblem(text: string): string | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function openEditor(entry: Entry, body: string): void {
  const outcome = element('outcome', HTMLElement);
  if (body.length > EDITABLE_BYTES) {
    outcome.textContent = `Too large to edit here (${(body.length / 1024 / 1024).toFixed(1)} MB): Download it and edit it in your editor; Replay sends it as it is.`;
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  const original = messageIdIn(parsed);
  const area = el('textarea', { id: 'edited', spellcheck: 'false', 'aria-label': 'The JSON to send', autocomplete: 'off' });
  area.value =
    parsed === undefined ? body : JSON.stringify(original === undefined ? parsed : withMessageId(parsed, newMessageId()), null, 2);
  const status = el('p', { id: 'edit-status', role: 'status' });
  const send = button('Sign and send', { id: 'send-edited', class: 'primary' }, () => void sendEdited());
  const setId = (messageId: string) => {
    try {
      area.value = JSON.stringify(withMessageId(JSON.parse(area.value), messageId), null, 2);
    } catch {
      // Invalid JSON: the status already says so; nothing to rewrite.
    }
    check();
  };
  const check = (): boolean => {
    const problem = parseProblem(area.value);
    send.disabled = problem !== undefined;
    area.setAttribute('aria-invalid', String(problem !== undefined));
    status.className = problem === undefined ? 'ok' : 'bad';
    if (problem !== undefined) {
      status.textContent = `Invalid JSON, not sent: ${problem}`;
      return false;
    }
    const now = messageIdIn(JSON.parse(area.value));
    status.textContent =
      now === undefined
        ? 'Valid JSON. It has no meta.messageId.'
        : now === original
          ? 'Valid JSON. Same messageId as the original: the listener will take it as a duplicate.'
          : 'Valid JSON. A new messageId: the listener takes it as a new message.';
    return true;
  };
  const sendEdited = async () => {
    // Checked again here: a shortcut or a stale state never sends invalid JSON.
    if (!check()) return;
    const text = area.value;
    const sentId = messageIdIn(JSON.parse(text));
    const before = state.entries[0]?.id ?? 0;
    send.disabled = true;
    const answer = await replay(entry.id, text);
    send.disabled = false;
    if (answer === undefined) return;
    const arrived = state.entries.find((one) => one.id > before && sentId !== undefined && one.messageId === sentId);
    if (arrived === undefined) return;
    // Shown at the top of the list, selected, and lit once.
    state.fresh = arrived.id;
    if (!matcher()(arrived)) {
      filter.value = '';
      kind.value = '';
    }
    render();
    await select(arrived.id, { keepNotice: true });
    if (state.notice) state.notice = `${state.notice}. It is the first row now.`;
    element('outcome', HTMLElement).textContent = state.notice ?? '';
  };
  area.addEventListener('input', () => void check());
  area.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      void sendEdited();
    }
  });
  const editor = el(
    'div',
    { id: 'editor' },
    el('p', { class: 'editor-title' }, 'Edit, then sign and send to this listener'),
    area,
    status,
    el(
      'div',
      { class: 'editor-actions' },
      send,
      original === undefined ? '' : button('New messageId', { id: 'new-id' }, () => setId(newMessageId())),
      original === undefined ? '' : button('Original messageId', { id: 'original-id' }, () => setId(original)),
      button('Cancel', { id: 'cancel-edit', class: 'link' }, () => editor.remove()),
    ),
  );
  document.getElementById('editor')?.remove();
  outcome.after(editor);
  check();
  area.focus();
}

async function copyCurl(id: number): Promise<void> {
  const response = await api(`/api/entries/${id}/curl`);
  const text = await response.text();
  const outcome = element('outcome', HTMLElement);
  outcome.replaceChildren(
    el('p', { class: 'note' }, response.ok ? 'Copied. Run it beside the downloaded file it names (Download):' : ''),
    el('pre', { id: 'curl-text' }, text),
  );
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

// ---------------------------------------------------------------------------------------------------------
// The list from the server, the live feed, and the keys.

function apply(batch: FeedBatch): void {
  // A batch, oldest first; the list is newest first. What the list already holds is skipped.
  const newest = state.entries[0]?.id ?? 0;
  const fresh = batch.entries.filter((entry) => entry.id > newest);
  for (const entry of fresh) state.entries.unshift(entry);
  state.received = Math.max(state.received, batch.received);
  if (state.entries.length > MAX_ROWS) state.entries.length = MAX_ROWS;
  // The flows of entries no longer held are let go too: the tab holds a bounded number of them.
  if (state.flows.size > MAX_ROWS) {
    const held = new Set(state.entries.map((entry) => entry.flow));
    for (const key of state.flows.keys()) if (!held.has(key)) state.flows.delete(key);
  }
  const changed = new Set<string>();
  for (const flow of batch.flows) {
    state.flows.set(flow.key, flow);
    changed.add(flow.key);
  }
  // The server sends at most two batches a second (one every two seconds under a flood): each is drawn as it comes.
  addRows(fresh);
  flowsChanged(changed);
  if (state.selected === undefined && fresh.length > 0 && !document.body.classList.contains('detail-open')) placeholder();
}

async function refresh(): Promise<boolean> {
  const response = await api('/api/entries');
  if (!response.ok) return false;
  const data = (await response.json()) as EntriesAnswer;
  state.entries = data.entries;
  state.received = data.received;
  state.replay = data.replay;
  state.flows = new Map(data.flows.map((flow) => [flow.key, flow]));
  state.loaded = true;
  render();
  return true;
}

/**
 * The live feed: the same server-sent events EventSource reads, read from a fetch() stream instead, because
 * EventSource cannot send the token's header. Resolves when the stream ends.
 */
async function follow(signal: AbortSignal, onOpen: () => void, onBatch: (batch: FeedBatch) => void): Promise<void> {
  const response = await api('/api/events', { signal });
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

function setLive(now: 'connecting' | 'live' | 'reconnecting' | 'stopped'): void {
  live.dataset.state = now;
  const words = {
    connecting: ['Connecting…', 'Opening the live feed'],
    live: state.replay ? ['Live', 'New requests appear as they arrive'] : ['Captures', 'Capture files, read once: nothing new arrives'],
    reconnecting: ['Reconnecting…', 'The live feed dropped; trying again'],
    stopped: ['Stopped', 'The listener is not running: run the command again and open the link it prints'],
  } as const;
  [live.textContent, live.title] = words[now];
}

/**
 * Opens the feed, then reads the list (so nothing arriving in between is missed), then follows the feed;
 * when it ends (the listener stopped, the laptop slept), tries again, and reads the list again once back.
 */
async function connect(failures: number): Promise<void> {
  setLive(failures === 0 ? 'connecting' : failures < 3 ? 'reconnecting' : 'stopped');
  const early: FeedBatch[] = [];
  let loaded = false;
  let opened: (open: boolean) => void = () => undefined;
  const open = new Promise<boolean>((resolve) => {
    opened = resolve;
  });
  const feed = new AbortController();
  const stream = follow(
    feed.signal,
    () => opened(true),
    (batch) => {
      if (loaded) apply(batch);
      else early.push(batch);
    },
  )
    .catch(() => undefined)
    .finally(() => opened(false));
  const isOpen = await open;
  if (lockedOut) return;
  if (isOpen && (await refresh().catch(() => false))) {
    loaded = true;
    for (const batch of early) apply(batch);
    if (state.selected === undefined) placeholder();
    setLive('live');
    await stream;
    if (lockedOut) return;
    failures = 0;
  }
  feed.abort();
  setLive(failures + 1 < 3 ? 'reconnecting' : 'stopped');
  setTimeout(() => void connect(failures + 1), Math.min(10_000, 1000 * 2 ** Math.min(failures, 4)));
}

filter.addEventListener('input', render);
kind.addEventListener('change', render);
group.addEventListener('click', () => {
  state.grouped = !state.grouped;
  group.setAttribute('aria-pressed', String(state.grouped));
  render();
});
document.addEventListener('keydown', (event) => {
  const target = event.target as HTMLElement | null;
  const typing = target !== null && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT');
  if (event.key === 'Escape') {
    if (typing && target instanceof HTMLElement) target.blur();
    document.body.classList.remove('detail-open');
    return;
  }
  if (typing || event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === '/') {
    event.preventDefault();
    filter.focus();
    return;
  }
  const step = event.key === 'ArrowDown' || event.key === 'j' ? 1 : event.key === 'ArrowUp' || event.key === 'k' ? -1 : 0;
  if (step === 0) return;
  event.preventDefault();
  // A flow's own line is not a request: the keys go from request to request.
  const rows = (Array.from(list.children) as HTMLElement[]).filter((item) => item.dataset.id !== undefined);
  const at = rows.findIndex((item) => item.dataset.id === String(state.selected));
  const next = rows[Math.max(0, Math.min(rows.length - 1, at + step))];
  if (next?.dataset.id === undefined) return;
  next.scrollIntoView({ block: 'nearest' });
  void select(Number(next.dataset.id));
});

if (token === undefined) locked();
else if (token !== 'moving') void connect(0);
