// A small SVG chart writer (no dependencies): line charts and grouped bar
// charts with linear, log2 or log10 axes, for the report.
const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const W = 720;
const H = 400;
const M = { top: 48, right: 180, bottom: 56, left: 80 };

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const num = (x) => (Math.round(x * 10) / 10).toString();

function fmtTick(v) {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`;
  if (a >= 1e3) return `${+(v / 1e3).toPrecision(3)}k`;
  if (a >= 1 || a === 0) return `${+v.toPrecision(3)}`;
  return `${+v.toPrecision(2)}`;
}

/** A scale mapping data to pixels, with its ticks. kind: 'linear' | 'log2' | 'log10'. */
function scale(kind, min, max, from, to) {
  if (kind === 'linear') {
    const lo = Math.min(0, min);
    const step = niceStep((max - lo) / 5 || 1);
    const hi = Math.ceil(max / step) * step || step;
    const ticks = [];
    for (let v = lo; v <= hi + step / 2; v += step) ticks.push(v);
    return { map: (v) => from + ((v - lo) / (hi - lo)) * (to - from), ticks };
  }
  const base = kind === 'log2' ? 2 : 10;
  const lg = (v) => Math.log(v) / Math.log(base);
  const lo = Math.floor(lg(min));
  const hi = Math.max(lo + 1, Math.ceil(lg(max)));
  const ticks = [];
  for (let e = lo; e <= hi; e++) ticks.push(base ** e);
  return { map: (v) => from + ((lg(v) - lo) / (hi - lo)) * (to - from), ticks };
}

function niceStep(raw) {
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

function frame(title, xLabel, yLabel, xs, ys, xTicks, yTicks, xTickLabel) {
  const out = [];
  const x0 = M.left;
  const x1 = W - M.right;
  const y0 = H - M.bottom;
  const y1 = M.top;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="#fff"/>`);
  out.push(
    `<text x="${W / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`,
  );
  for (const t of yTicks) {
    const y = num(ys(t));
    out.push(`<line x1="${x0}" x2="${x1}" y1="${y}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(
      `<text x="${x0 - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${fmtTick(t)}</text>`,
    );
  }
  for (const t of xTicks) {
    const x = num(xs(t));
    out.push(`<line x1="${x}" x2="${x}" y1="${y0}" y2="${y0 + 5}" stroke="#333"/>`);
    out.push(
      `<text x="${x}" y="${y0 + 18}" text-anchor="middle">${esc(xTickLabel ? xTickLabel(t) : fmtTick(t))}</text>`,
    );
  }
  out.push(`<line x1="${x0}" x2="${x1}" y1="${y0}" y2="${y0}" stroke="#333"/>`);
  out.push(`<line x1="${x0}" x2="${x0}" y1="${y0}" y2="${y1}" stroke="#333"/>`);
  out.push(`<text x="${(x0 + x1) / 2}" y="${H - 14}" text-anchor="middle">${esc(xLabel)}</text>`);
  out.push(
    `<text x="18" y="${(y0 + y1) / 2}" text-anchor="middle" transform="rotate(-90 18 ${(y0 + y1) / 2})">${esc(yLabel)}</text>`,
  );
  return out;
}

function legend(names, kind = 'line') {
  return names.map((name, i) => {
    const y = M.top + 8 + i * 20;
    const x = W - M.right + 16;
    const c = PALETTE[i % PALETTE.length];
    const mark =
      kind === 'line'
        ? `<line x1="${x}" x2="${x + 22}" y1="${y}" y2="${y}" stroke="${c}" stroke-width="2.5"/><circle cx="${x + 11}" cy="${y}" r="3.5" fill="${c}"/>`
        : `<rect x="${x}" y="${y - 6}" width="22" height="12" fill="${c}"/>`;
    return `${mark}<text x="${x + 28}" y="${y}" dominant-baseline="middle">${esc(name)}</text>`;
  });
}

/**
 * Line chart. series: [{ name, points: [[x, y], ...] }]; xScale/yScale:
 * 'linear' | 'log2' | 'log10'. Non-positive or non-finite points are skipped on log scales.
 */
export function lineChart({
  title,
  xLabel,
  yLabel,
  series,
  xScale = 'linear',
  yScale = 'linear',
  hlines = [],
}) {
  const ok = (v, k) => Number.isFinite(v) && (k === 'linear' || v > 0);
  const pts = series.flatMap((s) => s.points).filter(([x, y]) => ok(x, xScale) && ok(y, yScale));
  if (pts.length === 0) return emptyChart(title);
  const hy = hlines.map((h) => h.y).filter((y) => ok(y, yScale));
  const xsv = pts.map((p) => p[0]);
  const ysv = [...pts.map((p) => p[1]), ...hy];
  const xs = scale(xScale, Math.min(...xsv), Math.max(...xsv), M.left + 10, W - M.right - 10);
  const ys = scale(yScale, Math.min(...ysv), Math.max(...ysv), H - M.bottom, M.top);
  const xTicks = xScale === 'linear' ? xs.ticks : [...new Set(xsv)].sort((a, b) => a - b);
  const out = frame(title, xLabel, yLabel, xs.map, ys.map, xTicks, ys.ticks);
  for (const h of hlines) {
    if (!ok(h.y, yScale)) continue;
    const y = num(ys.map(h.y));
    out.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${y}" y2="${y}" stroke="#888" stroke-dasharray="6 4"/>`,
    );
    out.push(
      `<text x="${W - M.right - 4}" y="${y - 5}" text-anchor="end" fill="#555">${esc(h.label)}</text>`,
    );
  }
  series.forEach((s, i) => {
    const c = PALETTE[i % PALETTE.length];
    const p = s.points.filter(([x, y]) => ok(x, xScale) && ok(y, yScale));
    if (p.length > 1) {
      const d = p.map(([x, y], k) => `${k ? 'L' : 'M'}${num(xs.map(x))},${num(ys.map(y))}`).join(' ');
      out.push(`<path d="${d}" fill="none" stroke="${c}" stroke-width="2.5"/>`);
    }
    for (const [x, y] of p)
      out.push(`<circle cx="${num(xs.map(x))}" cy="${num(ys.map(y))}" r="3.5" fill="${c}"/>`);
  });
  out.push(...legend(series.map((s) => s.name)));
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Grouped bar chart. groups: x labels; series: [{ name, values: [per group] }]. */
export function barChart({ title, xLabel, yLabel, groups, series, yScale = 'linear' }) {
  const vals = series
    .flatMap((s) => s.values)
    .filter((v) => Number.isFinite(v) && (yScale === 'linear' || v > 0));
  if (vals.length === 0) return emptyChart(title);
  const ys = scale(yScale, Math.min(...vals), Math.max(...vals), H - M.bottom, M.top);
  const plotW = W - M.right - M.left;
  const gw = plotW / groups.length;
  const bw = (gw * 0.8) / series.length;
  const gx = (g) => M.left + gw * g + gw / 2;
  const out = frame(title, xLabel, yLabel, () => 0, ys.map, [], ys.ticks);
  groups.forEach((g, gi) => {
    out.push(`<text x="${num(gx(gi))}" y="${H - M.bottom + 18}" text-anchor="middle">${esc(g)}</text>`);
  });
  const base = yScale === 'linear' ? ys.map(0) : H - M.bottom;
  series.forEach((s, si) => {
    const c = PALETTE[si % PALETTE.length];
    s.values.forEach((v, gi) => {
      if (!Number.isFinite(v) || (yScale !== 'linear' && v <= 0)) return;
      const x = gx(gi) - (gw * 0.8) / 2 + si * bw;
      const y = ys.map(v);
      out.push(
        `<rect x="${num(x)}" y="${num(y)}" width="${num(bw - 1)}" height="${num(Math.max(0, base - y))}" fill="${c}"><title>${esc(`${s.name} ${groups[gi]}: ${fmtTick(v)}`)}</title></rect>`,
      );
    });
  });
  out.push(
    ...legend(
      series.map((s) => s.name),
      'bar',
    ),
  );
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function emptyChart(title) {
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="120" font-family="Helvetica, Arial, sans-serif"><rect width="${W}" height="120" fill="#fff"/><text x="${W / 2}" y="60" text-anchor="middle">${esc(title)}: no data in this run</text></svg>\n`;
}
