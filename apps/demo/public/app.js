// The raftkit visualizer: live state over Server-Sent Events, controls over
// POST /api/control. No framework, no build step, works offline.
import { renderTimeline } from './timeline.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const ROLE_LABEL = {
  follower: 'follower',
  preCandidate: 'pre-candidate',
  candidate: 'candidate',
  leader: 'leader',
};

const state = {
  serverId: null,
  startedAt: Date.now(),
  clockOffset: 0,
  mode: 'threads',
  nodeIds: [],
  nodes: new Map(),
  transitions: [],
  lifecycle: [],
  alerts: [],
  narration: [],
  faults: { partition: null, isolated: [], down: [], delayMs: 0 },
  workload: null,
  leaderTerms: new Set(),
  selected: new Set(),
};

const $ = (id) => document.getElementById(id);
const serverNow = () => Date.now() + state.clockOffset;
const rel = (t) => `+${Math.max(0, (t - state.startedAt) / 1000).toFixed(1)}s`;

// ------------------------------------------------------------------ connection

let source = null;
let bannerTimer = null;

function connect() {
  source = new EventSource('/api/events');
  source.addEventListener('open', () => setConn('live', 'live'));
  source.addEventListener('error', () => {
    setConn('lost', 'reconnecting');
    showBanner('Lost the connection to the demo server — reconnecting…', 'error');
    if (source.readyState === EventSource.CLOSED) {
      source.close();
      setTimeout(connect, 1500);
    }
  });
  source.addEventListener('snapshot', (e) => onSnapshot(JSON.parse(e.data)));
  source.addEventListener('status', (e) => {
    const v = JSON.parse(e.data);
    state.nodes.set(v.id, v);
    if (v.role === 'leader') state.leaderTerms.add(v.term);
    schedule();
  });
  source.addEventListener('transition', (e) => {
    const t = JSON.parse(e.data);
    state.transitions.push(t);
    if (t.to === 'leader') state.leaderTerms.add(t.term);
    flashEdge(t.from, t.to);
    schedule();
  });
  source.addEventListener('lifecycle', (e) => {
    state.lifecycle.push(JSON.parse(e.data));
    schedule();
  });
  source.addEventListener('alert', (e) => {
    state.alerts.push(JSON.parse(e.data));
    renderAlerts();
  });
  source.addEventListener('narration', (e) => {
    state.narration.push(JSON.parse(e.data));
    renderNarration();
  });
  source.addEventListener('faults', (e) => {
    state.faults = JSON.parse(e.data);
    schedule();
  });
  source.addEventListener('workload', (e) => {
    state.workload = JSON.parse(e.data);
    renderSummary();
  });
}

function onSnapshot(snap) {
  const restarted = state.serverId !== null && state.serverId !== snap.serverId;
  const reconnected = state.serverId !== null;
  state.serverId = snap.serverId;
  state.startedAt = snap.startedAt;
  state.clockOffset = snap.now - Date.now();
  state.mode = snap.mode;
  $('brand-sub').textContent =
    `live cluster · ${snap.nodes.length} ${snap.mode === 'processes' ? 'OS processes over TCP' : 'worker threads'}`;
  state.nodeIds = snap.nodes.map((n) => n.id);
  state.nodes = new Map(snap.nodes.map((n) => [n.id, n]));
  state.transitions = [...snap.transitions];
  state.lifecycle = [...snap.lifecycle];
  state.alerts = [...snap.alerts];
  state.narration = [...snap.narration];
  state.faults = snap.faults;
  state.workload = snap.workload;
  state.leaderTerms = new Set(snap.leaderTerms);
  for (const id of [...state.selected]) if (!state.nodes.has(id)) state.selected.delete(id);
  setConn('live', 'live');
  if (restarted) {
    showBanner('The demo server restarted — now showing its new cluster.', 'info', 6000);
    loadStatechart();
  } else if (reconnected) {
    showBanner('Reconnected.', 'info', 2500);
  } else {
    hideBanner();
  }
  buildNodeCards();
  renderAll();
}

function setConn(kind, text) {
  $('conn').dataset.state = kind;
  $('conn-text').textContent = text;
}

function showBanner(text, kind, hideAfterMs) {
  const b = $('banner');
  b.textContent = text;
  b.className = `banner ${kind === 'info' ? 'info' : ''}`;
  b.hidden = false;
  clearTimeout(bannerTimer);
  if (hideAfterMs) bannerTimer = setTimeout(hideBanner, hideAfterMs);
}

function hideBanner() {
  $('banner').hidden = true;
}

// ------------------------------------------------------------------ derived state

/** The leader of the highest term among running nodes, and the nodes that still believe they lead an older term. */
function leadership() {
  let leader = null;
  let maxTerm = 0;
  for (const n of state.nodes.values()) if (n.running && n.term > maxTerm) maxTerm = n.term;
  for (const n of state.nodes.values()) {
    if (n.running && n.role === 'leader' && (!leader || n.term > leader.term)) leader = n;
  }
  const stale = new Set();
  for (const n of state.nodes.values()) {
    if (n.running && n.role === 'leader' && (n !== leader || n.term < maxTerm)) stale.add(n.id);
  }
  const current = leader && !stale.has(leader.id) ? leader : null;
  return { leader: current, stale, maxTerm };
}

// ------------------------------------------------------------------ rendering

let scheduled = false;
function schedule() {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(() => {
    scheduled = false;
    renderAll();
  });
}

function renderAll() {
  renderSummary();
  renderNodes();
  renderChips();
  renderTimelineNow();
  renderAlerts();
  renderNarration();
}

function renderTimelineNow() {
  renderTimeline($('timeline'), state, serverNow());
}

function renderSummary() {
  const { leader, maxTerm } = leadership();
  const leaderEl = $('current-leader');
  leaderEl.textContent = leader ? leader.id : 'none';
  leaderEl.classList.toggle('leader-known', Boolean(leader));
  leaderEl.dataset.leader = leader ? leader.id : '';
  $('current-term').textContent = maxTerm > 0 ? String(maxTerm) : '—';
  $('election-count').textContent = String(state.leaderTerms.size);

  const w = state.workload;
  const wl = $('workload');
  if (!w) {
    wl.textContent = '—';
  } else {
    wl.replaceChildren(
      span(w.ok ? 'ok' : 'muted', `${w.ok} ok`),
      document.createTextNode(' · '),
      span(w.failed ? 'fail' : 'muted', `${w.failed} failed`),
      document.createTextNode(' · '),
      span(w.indeterminate ? 'info' : 'muted', `${w.indeterminate} unknown`),
    );
  }

  const f = state.faults;
  const parts = [];
  if (f.isolated.length) parts.push(`isolated ${f.isolated.join(', ')}`);
  if (f.partition) parts.push(`partition ${f.partition.map((g) => `{${g.join(',')}}`).join(' ')}`);
  if (f.down.length) parts.push(`down ${f.down.join(', ')}`);
  if (f.delayMs) parts.push(`delay ${f.delayMs} ms`);
  const fe = $('faults');
  fe.textContent = parts.length ? parts.join(' · ') : 'none';
  fe.classList.toggle('active', parts.length > 0);
}

function span(cls, text) {
  const s = document.createElement('span');
  s.className = cls;
  s.textContent = text;
  return s;
}

// Node cards are built once per set of nodes and updated in place, so
// checkboxes and focus survive the frequent status updates.
function buildNodeCards() {
  const grid = $('nodes');
  const existing = [...grid.children].map((c) => c.dataset.node);
  if (existing.join(',') === state.nodeIds.join(',')) return;
  grid.replaceChildren(...state.nodeIds.map(nodeCard));
  const sel = $('transfer-to');
  sel.replaceChildren(
    ...state.nodeIds.map((id) => {
      const o = document.createElement('option');
      o.value = id;
      o.textContent = id;
      return o;
    }),
  );
}

function nodeCard(id) {
  const card = document.createElement('article');
  card.className = 'node-card';
  card.dataset.node = id;
  card.setAttribute('data-testid', `node-${id}`);
  card.innerHTML = `
    <div class="node-top">
      <span class="node-id"></span>
      <span class="pill role" data-testid="role-${id}"></span>
      <span class="pill health"></span>
      <span class="pill stale-tag" hidden>stale leader</span>
      <span class="spacer"></span>
      <label class="node-select" title="Put this node in partition group A">
        <input type="checkbox" data-testid="select-${id}" /> A
      </label>
    </div>
    <div class="node-line">
      <span>term <b class="v-term"></b></span>
      <span>leader <b class="v-leader"></b></span>
      <span>lease <b class="v-lease"></b></span>
    </div>
    <div class="node-line">
      <span>verified <b class="v-verified"></b></span>
      <span class="quarantine-tag" hidden>quarantined <b class="v-quarantine"></b></span>
    </div>
    <div class="node-indices">
      <div class="idx"><span>commit</span><b class="v-commit"></b></div>
      <div class="idx"><span>applied</span><b class="v-applied"></b></div>
      <div class="idx"><span>last</span><b class="v-last"></b></div>
    </div>
    <div class="node-hash">state hash <b class="v-hash"></b></div>
    <div class="node-actions">
      <button type="button" class="btn btn-sm act-isolate" data-testid="isolate-${id}">Isolate</button>
      <button type="button" class="btn btn-sm act-kill" data-testid="kill-${id}">Kill</button>
      <button type="button" class="btn btn-sm act-lead" data-testid="lead-${id}">Make leader</button>
    </div>`;
  card.querySelector('.node-id').textContent = id;
  const box = card.querySelector('input');
  box.checked = state.selected.has(id);
  box.addEventListener('change', () => {
    if (box.checked) state.selected.add(id);
    else state.selected.delete(id);
  });
  card
    .querySelector('.act-isolate')
    .addEventListener('click', () => control({ action: 'isolate', node: id }));
  card.querySelector('.act-kill').addEventListener('click', () => {
    const n = state.nodes.get(id);
    control({ action: n?.running === false ? 'restart' : 'kill', node: id });
  });
  card
    .querySelector('.act-lead')
    .addEventListener('click', () => control({ action: 'transferLeadership', to: id }));
  return card;
}

function renderNodes() {
  const { leader, stale } = leadership();
  for (const card of $('nodes').children) {
    const n = state.nodes.get(card.dataset.node);
    if (!n) continue;
    const role = n.running ? (n.role ?? 'follower') : 'down';
    card.dataset.role = role;
    card.dataset.running = String(n.running);
    card.classList.toggle('stale', stale.has(n.id));
    const rolePill = card.querySelector('.role');
    rolePill.textContent = n.running ? (n.role ? ROLE_LABEL[n.role] : 'starting') : 'down';
    rolePill.className = `pill role role-${role}`;
    const health = card.querySelector('.health');
    health.textContent = n.health;
    health.className = `pill health health-${n.health}`;
    card.querySelector('.stale-tag').hidden = !stale.has(n.id);
    card.querySelector('.v-term').textContent = String(n.term);
    const believed = n.leader ?? '—';
    card.querySelector('.v-leader').textContent =
      n.leader && leader && n.leader !== leader.id ? `${believed} (actual ${leader.id})` : believed;
    card.querySelector('.v-commit').textContent = String(n.commitIndex);
    card.querySelector('.v-applied').textContent = String(n.appliedIndex);
    card.querySelector('.v-last').textContent = String(n.lastIndex);
    card.querySelector('.v-lease').textContent = n.leaseMs === null ? '—' : `${Math.round(n.leaseMs)} ms`;
    card.querySelector('.v-verified').textContent = n.verification ?? '—';
    card.querySelector('.quarantine-tag').hidden = !n.quarantine;
    card.querySelector('.v-quarantine').textContent = n.quarantine ?? '';
    card.classList.toggle('quarantined', Boolean(n.quarantine));
    card.querySelector('.v-hash').textContent = n.stateHash ? n.stateHash.slice(0, 16) : '—';
    card.querySelector('.act-kill').textContent = n.running ? 'Kill' : 'Restart';
    card.querySelector('.act-isolate').disabled = !n.running;
    card.querySelector('.act-lead').disabled = !n.running || n.role === 'leader';
  }
}

// ------------------------------------------------------------------ statechart

async function loadStatechart() {
  const res = await fetch('/statechart.svg', { cache: 'no-store' });
  $('statechart').innerHTML = await res.text();
  renderChips();
}

/** Puts a chip for every node inside the state it is in, and lights up occupied states. */
function renderChips() {
  const root = $('statechart');
  const { stale } = leadership();
  for (const g of root.querySelectorAll('.sc-state')) {
    const st = g.dataset.state;
    const here = state.nodeIds.filter((id) => {
      const n = state.nodes.get(id);
      return n?.running && (n.role ?? null) === st;
    });
    g.classList.toggle('sc-active', here.length > 0);
    g.classList.toggle('sc-empty', here.length === 0);
    g.querySelector('.sc-chips')?.remove();
    const chips = document.createElementNS(SVG_NS, 'g');
    chips.setAttribute('class', 'sc-chips');
    const x0 = Number(g.dataset.x) + 12;
    const y0 = Number(g.dataset.y) + Number(g.dataset.h) - 26;
    const avail = Number(g.dataset.w) - 24;
    const w = Math.min(30, (avail - (here.length - 1) * 4) / Math.max(here.length, 1));
    here.forEach((id, i) => {
      const chip = document.createElementNS(SVG_NS, 'g');
      chip.setAttribute('class', `sc-chip${stale.has(id) ? ' stale' : ''}`);
      chip.setAttribute('data-node', id);
      const rect = document.createElementNS(SVG_NS, 'rect');
      const x = x0 + i * (w + 4);
      for (const [k, v] of Object.entries({ x, y: y0, width: w, height: 17, rx: 5, fill: 'var(--role)' })) {
        rect.setAttribute(k, String(v));
      }
      const text = document.createElementNS(SVG_NS, 'text');
      text.setAttribute('x', String(x + w / 2));
      text.setAttribute('y', String(y0 + 12.5));
      text.setAttribute('text-anchor', 'middle');
      text.textContent = id;
      chip.append(rect, text);
      chips.append(chip);
    });
    g.append(chips);
  }
}

function flashEdge(from, to) {
  for (const edge of $('statechart').querySelectorAll('.sc-edge')) {
    if (edge.dataset.source !== from || edge.dataset.target !== to) continue;
    edge.classList.add('sc-flash');
    setTimeout(() => edge.classList.remove('sc-flash'), 900);
  }
}

// ------------------------------------------------------------------ lists

function renderAlerts() {
  const list = $('alerts');
  if (state.alerts.length === 0) {
    const li = document.createElement('li');
    li.className = 'empty';
    li.textContent = 'No alerts. The monitor is watching every node.';
    list.replaceChildren(li);
    return;
  }
  const items = [...state.alerts].reverse().map((a) => {
    const li = document.createElement('li');
    li.className = a.severity;
    const head = document.createElement('div');
    head.className = 'alert-head';
    head.append(span(`sev ${a.severity}`, a.severity), span('alert-kind', a.kind), span('when', rel(a.at)));
    const msg = document.createElement('div');
    msg.className = 'alert-msg';
    const extra = [
      a.nodes.length ? `nodes ${a.nodes.join(', ')}` : '',
      a.term !== null ? `term ${a.term}` : '',
    ]
      .filter(Boolean)
      .join(' · ');
    msg.textContent = extra ? `${a.message} (${extra})` : a.message;
    li.append(head, msg);
    return li;
  });
  list.replaceChildren(...items);
}

function renderNarration() {
  const list = $('narration');
  if (state.narration.length === 0) {
    const li = document.createElement('li');
    li.className = 'empty';
    li.textContent = 'No scenario running. Use the controls to break things.';
    list.replaceChildren(li);
    return;
  }
  const atBottom = list.scrollTop + list.clientHeight >= list.scrollHeight - 8;
  list.replaceChildren(
    ...state.narration.map((n) => {
      const li = document.createElement('li');
      li.className = n.level;
      li.append(span('when', rel(n.at)), span('text', n.text));
      return li;
    }),
  );
  if (atBottom) list.scrollTop = list.scrollHeight;
}

// ------------------------------------------------------------------ controls

let toastTimer = null;
function toast(text, isError) {
  const t = $('toast');
  t.textContent = text;
  t.className = `toast${isError ? ' error' : ''}`;
  t.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    t.hidden = true;
  }, 3500);
}

async function control(body) {
  try {
    const res = await fetch('/api/control', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    const out = await res.json();
    if (out.ok) toast(out.message, false);
    else toast(`${out.error.code}: ${out.error.message}`, true);
    return out;
  } catch (err) {
    toast(`request failed: ${err.message}`, true);
    return null;
  }
}

function wireControls() {
  $('btn-isolate-leader').addEventListener('click', () => control({ action: 'isolateLeader' }));
  $('btn-heal').addEventListener('click', () => control({ action: 'heal' }));
  $('btn-partition').addEventListener('click', () => {
    const groupA = state.nodeIds.filter((id) => state.selected.has(id));
    if (groupA.length === 0 || groupA.length === state.nodeIds.length) {
      toast('Tick the nodes of group A first (some, not all).', true);
      return;
    }
    control({ action: 'partition', groups: [groupA] });
  });
  $('btn-transfer').addEventListener('click', () =>
    control({ action: 'transferLeadership', to: $('transfer-to').value }),
  );
  $('btn-delay').addEventListener('click', () =>
    control({ action: 'delay', ms: Number($('delay-ms').value) }),
  );
}

// ------------------------------------------------------------------ start

wireControls();
loadStatechart().catch((err) => toast(`could not load the statechart: ${err.message}`, true));
connect();
// The timeline scrolls with time even when nothing happens.
setInterval(() => {
  if (state.serverId) renderTimelineNow();
}, 500);
window.addEventListener('resize', () => schedule());
