// The timeline: one swimlane per node, coloured by role over time, with term
// boundaries, each role transition marked and labelled with its reason, and
// periods where a node was down hatched.

const SVG_NS = 'http://www.w3.org/2000/svg';
const LABEL_W = 46;
const LANE_H = 40;
const BAR_Y = 15;
const BAR_H = 19;
const TOP = 22;
const AXIS_H = 22;
const RIGHT_PAD = 12;
const MIN_WINDOW_MS = 10_000;
const MAX_WINDOW_MS = 150_000;

function el(name, attrs = {}, text) {
  const e = document.createElementNS(SVG_NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

function niceStep(ms) {
  for (const s of [1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000]) if (ms <= s) return s;
  return 300_000;
}

/** Role intervals of one node, from the transitions it reported. */
function roleSegments(node, transitions, startedAt, now, fallbackRole) {
  const own = transitions.filter((t) => t.node === node);
  const segs = [];
  let role = own.length > 0 ? own[0].from : (fallbackRole ?? 'follower');
  let from = startedAt;
  for (const t of own) {
    if (t.at > from) segs.push({ role, from, to: t.at });
    role = t.to;
    from = Math.max(from, t.at);
  }
  segs.push({ role, from, to: now });
  return segs;
}

function downSegments(node, lifecycle, now) {
  const segs = [];
  let downAt = null;
  for (const ev of lifecycle) {
    if (ev.node !== node) continue;
    if (ev.kind === 'down' && downAt === null) downAt = ev.at;
    if (ev.kind === 'up' && downAt !== null) {
      segs.push({ from: downAt, to: ev.at });
      downAt = null;
    }
  }
  if (downAt !== null) segs.push({ from: downAt, to: now });
  return segs;
}

/**
 * Where each term began: its first campaign (or, when that was not observed,
 * its first leader). A term first seen in some other transition had begun
 * before the timeline did, so it gets no boundary.
 */
function termBoundaries(transitions) {
  const out = [];
  const seen = new Set();
  for (const t of transitions) {
    if (seen.has(t.term)) continue;
    seen.add(t.term);
    if (t.to === 'candidate' || t.to === 'leader') out.push({ term: t.term, at: t.at });
  }
  return out;
}

export function renderTimeline(container, s, clockNow) {
  // Events stamped by other threads may be a few ms "ahead" of our estimate of the server clock.
  const lastAt = s.transitions.length ? s.transitions[s.transitions.length - 1].at : 0;
  const now = Math.max(clockNow, lastAt);
  const width = Math.max(container.clientWidth, 480);
  const ids = s.nodeIds;
  const height = TOP + ids.length * LANE_H + AXIS_H;
  // The whole run fits (with a little room on the right) until it is too long; then the window scrolls.
  const elapsed = now - s.startedAt;
  const windowMs = Math.min(MAX_WINDOW_MS, Math.max(MIN_WINDOW_MS, elapsed * 1.04));
  const t0 = elapsed < windowMs ? s.startedAt : now - windowMs;
  const plotW = width - LABEL_W - RIGHT_PAD;
  const x = (t) => LABEL_W + ((Math.max(t, t0) - t0) / windowMs) * plotW;

  const svg = el('svg', {
    viewBox: `0 0 ${width} ${height}`,
    height,
    role: 'img',
    'aria-label': 'role timeline',
  });
  const defs = el('defs');
  const hatch = el('pattern', {
    id: 'tl-hatch',
    width: 6,
    height: 6,
    patternUnits: 'userSpaceOnUse',
    patternTransform: 'rotate(45)',
  });
  hatch.append(
    el('rect', { width: 6, height: 6, fill: '#1a1f2c' }),
    el('rect', { width: 2.5, height: 6, fill: '#4a5062' }),
  );
  defs.append(hatch);
  svg.append(defs);

  // Scenario steps as faint guides behind everything.
  for (const n of s.narration) {
    if (n.level !== 'step' || n.at < t0) continue;
    const line = el('line', {
      x1: x(n.at),
      x2: x(n.at),
      y1: TOP - 4,
      y2: TOP + ids.length * LANE_H,
      class: 'narr-mark',
    });
    line.append(el('title', {}, n.text));
    svg.append(line);
  }

  ids.forEach((id, i) => {
    const y = TOP + i * LANE_H;
    svg.append(el('text', { x: 4, y: y + BAR_Y + 14, class: 'lane-label' }, id));
    svg.append(
      el('rect', { x: LABEL_W, y: y + BAR_Y, width: plotW, height: BAR_H, rx: 4, class: 'lane-bg' }),
    );
    const node = s.nodes.get(id);
    for (const seg of roleSegments(id, s.transitions, s.startedAt, now, node?.role)) {
      if (seg.to < t0) continue;
      const x1 = x(seg.from);
      const w = Math.max(x(seg.to) - x1, 0.8);
      const rect = el('rect', { x: x1, y: y + BAR_Y, width: w, height: BAR_H, class: `seg-${seg.role}` });
      rect.append(el('title', {}, `${id}: ${seg.role} from +${rel(s, seg.from)} to +${rel(s, seg.to)}`));
      svg.append(rect);
      if (w > 64) svg.append(el('text', { x: x1 + 6, y: y + BAR_Y + 13.5, class: 'seg-text' }, seg.role));
    }
    for (const seg of downSegments(id, s.lifecycle, now)) {
      if (seg.to < t0) continue;
      const x1 = x(seg.from);
      const rect = el('rect', {
        x: x1,
        y: y + BAR_Y,
        width: Math.max(x(seg.to) - x1, 1),
        height: BAR_H,
        class: 'seg-down',
      });
      rect.append(el('title', {}, `${id}: down from +${rel(s, seg.from)} to +${rel(s, seg.to)}`));
      svg.append(rect);
    }
    // Transition marks with their reasons, labels dropped where they would collide.
    let labelEnd = -Infinity;
    for (const t of s.transitions) {
      if (t.node !== id || t.at < t0) continue;
      const tx = x(t.at);
      const mark = el('line', {
        x1: tx,
        x2: tx,
        y1: y + BAR_Y - 3,
        y2: y + BAR_Y + BAR_H,
        class: 'tick-mark',
      });
      mark.append(
        el('title', {}, `${id}: ${t.from} → ${t.to} (${t.reason}), term ${t.term}, +${rel(s, t.at)}`),
      );
      svg.append(mark);
      const text = t.reason;
      if (tx >= labelEnd + 6 && tx + text.length * 6 < width) {
        svg.append(el('text', { x: tx + 2, y: y + BAR_Y - 4, class: 'reason' }, text));
        labelEnd = tx + text.length * 6.1;
      }
    }
  });

  // Term boundaries across all lanes.
  let termLabelEnd = -Infinity;
  for (const b of termBoundaries(s.transitions)) {
    if (b.at < t0) continue;
    const bx = x(b.at);
    svg.append(
      el('line', { x1: bx, x2: bx, y1: TOP - 8, y2: TOP + ids.length * LANE_H, class: 'term-line' }),
    );
    const label = `t${b.term}`;
    if (bx >= termLabelEnd + 4) {
      svg.append(el('text', { x: bx + 3, y: 11, class: 'term-label' }, label));
      termLabelEnd = bx + label.length * 7 + 3;
    }
  }

  // Time axis, in seconds since the cluster started.
  const axisY = TOP + ids.length * LANE_H + 4;
  svg.append(el('line', { x1: LABEL_W, x2: LABEL_W + plotW, y1: axisY, y2: axisY, class: 'axis-line' }));
  const step = niceStep(windowMs / 10);
  const first = Math.ceil((t0 - s.startedAt) / step) * step;
  for (let off = Math.max(first, 0); s.startedAt + off <= t0 + windowMs; off += step) {
    const tx = x(s.startedAt + off);
    svg.append(el('line', { x1: tx, x2: tx, y1: axisY, y2: axisY + 4, class: 'axis-line' }));
    svg.append(
      el('text', { x: tx, y: axisY + 15, class: 'axis-text', 'text-anchor': 'middle' }, `${off / 1000}s`),
    );
  }

  container.replaceChildren(svg);
}

function rel(s, t) {
  return `${((t - s.startedAt) / 1000).toFixed(1)}s`;
}
