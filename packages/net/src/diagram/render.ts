/**
 * The role statechart as Mermaid or SVG, derived from `roleMachine` itself
 * (`raftkit diagram --format mermaid|svg`). The demo's visualizer inlines the
 * same SVG (dark theme) and highlights the states live; the README embeds the
 * Mermaid version.
 */
import { roleMachine } from '@raftkit/core';
import type { AnyStateMachine } from 'xstate';
import { type DiagramLayout, LABEL_LINE_HEIGHT, layoutGraph } from './layout.js';
import { edgeLabel, machineToGraph, type StateGraph } from './statechart-graph.js';

export type DiagramFormat = 'mermaid' | 'svg';
export type DiagramTheme = 'dark' | 'light';

/** The graph of `roleMachine`: its four role states and every transition between them. */
export function roleMachineGraph(): StateGraph {
  return machineToGraph(roleMachine as unknown as AnyStateMachine);
}

export function roleMachineToMermaid(): string {
  return graphToMermaid(roleMachineGraph());
}

export function roleMachineToSvg(opts: { theme?: DiagramTheme } = {}): string {
  return graphToSvg(roleMachineGraph(), opts);
}

/** A Mermaid `stateDiagram-v2`, one arrow per transition (state descriptions are left out: they bloat the boxes). */
export function graphToMermaid(graph: StateGraph): string {
  const lines = ['stateDiagram-v2', `  [*] --> ${graph.initial}`];
  for (const e of graph.edges) lines.push(`  ${e.source} --> ${e.target} : ${mermaidText(edgeLabel(e))}`);
  return `${lines.join('\n')}\n`;
}

// Mermaid treats ':' ';' '#' specially inside labels; '&&' and '||' are fine.
const mermaidText = (s: string) => s.replace(/[:;#]/g, ' ').replace(/\s+/g, ' ').trim();

/** Role colours, shared with the demo page's stylesheet (apps/demo/public/style.css). */
export const ROLE_COLOURS: Readonly<Record<string, string>> = {
  follower: '#5b8def',
  preCandidate: '#d9b23a',
  candidate: '#f08a3c',
  leader: '#36c98a',
};

const THEMES: Record<DiagramTheme, Record<string, string>> = {
  dark: { bg: '#0f1320', box: '#161c2c', text: '#e6e9f2', edge: '#6f7a99', label: '#a3acc6' },
  light: { bg: '#ffffff', box: '#f6f8fc', text: '#1b2030', edge: '#7a8399', label: '#4a5268' },
};

/**
 * A standalone SVG. Each state is a `<g class="sc-state" data-state="…">`
 * carrying its box geometry, each merged arrow a `<g class="sc-edge"
 * data-source data-target>`, so a page can highlight and annotate them.
 */
export function graphToSvg(graph: StateGraph, opts: { theme?: DiagramTheme } = {}): string {
  const theme = THEMES[opts.theme ?? 'dark'];
  const layout = layoutGraph(graph);
  const box = contentBox(layout);
  const view = `${box.x} ${box.y} ${box.width} ${box.height}`;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="sc-root" viewBox="${view}" ` +
      `width="${box.width}" height="${box.height}" role="img" aria-label="${esc(graph.machineId)} statechart">`,
    `<title>${esc(graph.machineId)} statechart (derived from the machine definition)</title>`,
    `<style>${svgStyle(theme)}</style>`,
    '<defs><marker id="sc-arrow" viewBox="0 0 10 10" refX="8" refY="5" markerWidth="7" markerHeight="7" ' +
      'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="sc-arrowhead"/></marker></defs>',
    `<rect class="sc-bg" x="${box.x}" y="${box.y}" width="${box.width}" height="${box.height}" rx="12"/>`,
  );
  out.push(renderInitial(layout));
  for (const r of layout.routes) out.push(renderRoute(r));
  for (const s of layout.states) {
    const colour = ROLE_COLOURS[s.id] ?? theme.edge;
    const desc = graph.states.find((g) => g.id === s.id)?.description;
    out.push(
      `<g class="sc-state" data-state="${esc(s.id)}" data-x="${s.x}" data-y="${s.y}" data-w="${s.width}" ` +
        `data-h="${s.height}" style="--role:${colour}">` +
        (desc ? `<title>${esc(desc)}</title>` : '') +
        `<rect class="sc-box" x="${s.x}" y="${s.y}" width="${s.width}" height="${s.height}" rx="14" stroke="${colour}"/>` +
        `<circle class="sc-dot" cx="${s.x + 16}" cy="${s.y + 20}" r="5" fill="${colour}"/>` +
        `<text class="sc-name" x="${s.x + 28}" y="${s.y + 25}">${esc(s.id)}</text>` +
        '</g>',
    );
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** The drawing's extent (boxes, arrows and estimated label sizes) plus a margin: the SVG's viewBox. */
function contentBox(layout: DiagramLayout): { x: number; y: number; width: number; height: number } {
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  const grow = (x: number, y: number) => {
    minX = Math.min(minX, x);
    minY = Math.min(minY, y);
    maxX = Math.max(maxX, x);
    maxY = Math.max(maxY, y);
  };
  for (const s of layout.states) {
    grow(s.x, s.y);
    grow(s.x + s.width, s.y + s.height);
  }
  for (const p of layout.initialArrow) grow(p.x - 6, p.y - 6);
  for (const r of layout.routes) {
    const nums = r.path.match(/-?\d+(\.\d+)?/g)?.map(Number) ?? [];
    for (let i = 0; i + 1 < nums.length; i += 2) grow(nums[i], nums[i + 1]);
    grow(r.labelBox.x, r.labelBox.y);
    grow(r.labelBox.x + r.labelBox.width, r.labelBox.y + r.labelBox.height);
  }
  const pad = 14;
  const x = Math.floor(minX - pad);
  const y = Math.floor(minY - pad);
  return { x, y, width: Math.ceil(maxX + pad) - x, height: Math.ceil(maxY + pad) - y };
}

function renderInitial(layout: DiagramLayout): string {
  const [a, b] = layout.initialArrow;
  return (
    `<g class="sc-initial"><circle cx="${a.x}" cy="${a.y}" r="5" class="sc-initial-dot"/>` +
    `<line x1="${a.x}" y1="${a.y}" x2="${b.x}" y2="${b.y}" class="sc-line" marker-end="url(#sc-arrow)"/></g>`
  );
}

function renderRoute(r: DiagramLayout['routes'][number]): string {
  const tspans = r.lines
    .map(
      (l, i) =>
        `<tspan x="${r.label.x}" y="${round(r.firstBaseline + i * LABEL_LINE_HEIGHT)}">${esc(l)}</tspan>`,
    )
    .join('');
  const events = r.edges.map((e) => e.event).join(' ');
  return (
    `<g class="sc-edge" data-source="${esc(r.source)}" data-target="${esc(r.target)}" data-events="${esc(events)}">` +
    `<path d="${r.path}" class="sc-line" marker-end="url(#sc-arrow)"/>` +
    `<text class="sc-label" text-anchor="${r.anchor}">${tspans}</text></g>`
  );
}

function svgStyle(t: Record<string, string>): string {
  return [
    `.sc-bg{fill:${t.bg}}`,
    `.sc-box{fill:${t.box};stroke-width:2}`,
    `.sc-name{fill:${t.text};font:600 16px ui-sans-serif,system-ui,-apple-system,'Segoe UI',sans-serif}`,
    `.sc-line{fill:none;stroke:${t.edge};stroke-width:1.6}`,
    `.sc-arrowhead{fill:${t.edge}}`,
    `.sc-initial-dot{fill:${t.text}}`,
    `.sc-label{fill:${t.label};font:11px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}`,
  ].join('');
}

const round = (n: number) => Math.round(n * 10) / 10;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function renderDiagram(format: DiagramFormat, theme: DiagramTheme = 'light'): string {
  return format === 'mermaid' ? roleMachineToMermaid() : roleMachineToSvg({ theme });
}
