/**
 * A small layout for a statechart with a handful of states. The states sit on
 * an ellipse in breadth-first order from the initial state (so the usual
 * election path reads clockwise from the top left), and the edges between two
 * states are merged into one curved arrow carrying all their labels; arrows in
 * opposite directions bow to opposite sides. Each label block is then placed
 * at the spot along its arrow that overlaps the fewest boxes, arrows and
 * labels already placed.
 */
import { edgeLabel, type GraphEdge, type StateGraph } from './statechart-graph.js';

export interface Point {
  readonly x: number;
  readonly y: number;
}

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface StateBox extends Rect {
  readonly id: string;
}

export interface EdgeRoute {
  readonly source: string;
  readonly target: string;
  readonly edges: readonly GraphEdge[];
  /** SVG path data of the arrow. */
  readonly path: string;
  /** The label's lines, one per merged transition. */
  readonly lines: readonly string[];
  /** Anchor of the label block and how its lines are aligned around it. */
  readonly label: Point;
  readonly anchor: 'start' | 'middle' | 'end';
  /** Baseline of the first line. */
  readonly firstBaseline: number;
  /** The label block's estimated extent. */
  readonly labelBox: Rect;
}

export interface DiagramLayout {
  readonly width: number;
  readonly height: number;
  readonly states: readonly StateBox[];
  readonly routes: readonly EdgeRoute[];
  /** Start and end of the short arrow that marks the initial state. */
  readonly initialArrow: readonly [Point, Point];
}

export const LABEL_LINE_HEIGHT = 14;
/** Advance of one character of the 11px monospace label font. */
export const LABEL_CHAR_WIDTH = 6.7;
const BOX_W = 170;
const BOX_H = 66;

export function layoutGraph(graph: StateGraph, width = 860, height = 460): DiagramLayout {
  const order = breadthFirstOrder(graph);
  const cx = width / 2;
  const cy = height / 2;
  const rx = width / 2 - BOX_W / 2 - 40;
  const ry = height / 2 - BOX_H / 2 - 40;
  const states: StateBox[] = order.map((id, i) => {
    // Start half a step past "west" so four states form a rectangle, not a diamond.
    const angle = Math.PI + Math.PI / order.length + (2 * Math.PI * i) / order.length;
    const c = { x: cx + rx * Math.cos(angle), y: cy + ry * Math.sin(angle) };
    return { id, x: round(c.x - BOX_W / 2), y: round(c.y - BOX_H / 2), width: BOX_W, height: BOX_H };
  });
  const boxOf = new Map(states.map((s) => [s.id, s]));

  const groups = new Map<string, GraphEdge[]>();
  for (const e of graph.edges) {
    const key = `${e.source}\u0000${e.target}`;
    const list = groups.get(key) ?? [];
    list.push(e);
    groups.set(key, list);
  }
  const curves: Curve[] = [];
  for (const edges of groups.values()) {
    const { source, target } = edges[0];
    const reverse = groups.has(`${target}\u0000${source}`);
    curves.push(
      source === target
        ? selfLoop(boxOf.get(source)!, { x: cx, y: cy }, edges)
        : between(boxOf.get(source)!, boxOf.get(target)!, edges, reverse),
    );
  }

  // Place the biggest label blocks first: they have the fewest good spots.
  const samples = new Map(curves.map((c) => [c, sampleCurve(c)]));
  const placed: Rect[] = [];
  const routes = new Map<Curve, EdgeRoute>();
  for (const c of [...curves].sort((a, b) => b.edges.length - a.edges.length)) {
    const others = curves.filter((o) => o !== c).flatMap((o) => samples.get(o)!);
    const route = placeLabel(c, states, placed, others);
    placed.push(route.labelBox);
    routes.set(c, route);
  }

  const init = boxOf.get(graph.initial)!;
  const initialArrow: [Point, Point] = [
    { x: init.x - 34, y: init.y + init.height / 2 },
    { x: init.x - 2, y: init.y + init.height / 2 },
  ];
  return { width, height, states, routes: curves.map((c) => routes.get(c)!), initialArrow };
}

function breadthFirstOrder(graph: StateGraph): string[] {
  const order: string[] = [graph.initial];
  for (let i = 0; i < order.length; i++) {
    for (const e of graph.edges) {
      if (e.source === order[i] && !order.includes(e.target)) order.push(e.target);
    }
  }
  // States unreachable from the initial one still get drawn, in definition order.
  for (const s of graph.states) if (!order.includes(s.id)) order.push(s.id);
  return order;
}

// ---------------------------------------------------------------- curves

/** A quadratic (3 points) or cubic (4 points) Bézier and the side it bows to. */
interface Curve {
  readonly source: string;
  readonly target: string;
  readonly edges: readonly GraphEdge[];
  readonly points: readonly Point[];
  /** Unit vector towards the side the curve bows to (labels prefer that side). */
  readonly outward: Point;
  readonly selfLoop: boolean;
}

const centreOf = (b: Rect): Point => ({ x: b.x + b.width / 2, y: b.y + b.height / 2 });

/** Where the ray from the box centre towards `toward` leaves the box (plus a small gap). */
function exitPoint(b: Rect, toward: Point, gap = 4): Point {
  const c = centreOf(b);
  const dx = toward.x - c.x;
  const dy = toward.y - c.y;
  const sx = dx === 0 ? Number.POSITIVE_INFINITY : (b.width / 2 + gap) / Math.abs(dx);
  const sy = dy === 0 ? Number.POSITIVE_INFINITY : (b.height / 2 + gap) / Math.abs(dy);
  const s = Math.min(sx, sy);
  return { x: c.x + dx * s, y: c.y + dy * s };
}

function between(from: StateBox, to: StateBox, edges: readonly GraphEdge[], reverse: boolean): Curve {
  const a = centreOf(from);
  const b = centreOf(to);
  const len = Math.hypot(b.x - a.x, b.y - a.y) || 1;
  // Normal on the left of the direction of travel: opposite directions bow apart.
  const normal = { x: (b.y - a.y) / len, y: -(b.x - a.x) / len };
  const bow = reverse ? 90 : 40;
  const control = { x: (a.x + b.x) / 2 + normal.x * bow, y: (a.y + b.y) / 2 + normal.y * bow };
  const start = exitPoint(from, control);
  const end = exitPoint(to, control, 7);
  return {
    source: from.id,
    target: to.id,
    edges,
    points: [start, control, end],
    outward: normal,
    selfLoop: false,
  };
}

function selfLoop(box: StateBox, centre: Point, edges: readonly GraphEdge[]): Curve {
  const c = centreOf(box);
  const len = Math.hypot(c.x - centre.x, c.y - centre.y) || 1;
  let u = { x: (c.x - centre.x) / len, y: (c.y - centre.y) / len };
  // Loop off the box side that faces away from the diagram's centre.
  u =
    Math.abs(u.x) * box.height > Math.abs(u.y) * box.width
      ? { x: Math.sign(u.x), y: 0 }
      : { x: 0, y: Math.sign(u.y) };
  const out = exitPoint(box, { x: c.x + u.x * 1000, y: c.y + u.y * 1000 }, 2);
  const p = { x: -u.y, y: u.x };
  const spread = 16;
  const reach = 50;
  const s = { x: out.x + p.x * spread, y: out.y + p.y * spread };
  const e = { x: out.x - p.x * spread, y: out.y - p.y * spread };
  const c1 = { x: s.x + u.x * reach + p.x * 20, y: s.y + u.y * reach + p.y * 20 };
  const c2 = { x: e.x + u.x * reach - p.x * 20, y: e.y + u.y * reach - p.y * 20 };
  return { source: box.id, target: box.id, edges, points: [s, c1, c2, e], outward: u, selfLoop: true };
}

function pointAt(c: Curve, t: number): Point {
  const m = 1 - t;
  const p = c.points;
  if (p.length === 3) {
    return {
      x: m * m * p[0].x + 2 * m * t * p[1].x + t * t * p[2].x,
      y: m * m * p[0].y + 2 * m * t * p[1].y + t * t * p[2].y,
    };
  }
  return {
    x: m * m * m * p[0].x + 3 * m * m * t * p[1].x + 3 * m * t * t * p[2].x + t * t * t * p[3].x,
    y: m * m * m * p[0].y + 3 * m * m * t * p[1].y + 3 * m * t * t * p[2].y + t * t * t * p[3].y,
  };
}

function sampleCurve(c: Curve): Point[] {
  const out: Point[] = [];
  for (let i = 0; i <= 24; i++) out.push(pointAt(c, i / 24));
  return out;
}

function pathOf(c: Curve): string {
  const [a, b, d, e] = c.points.map((p) => `${round(p.x)},${round(p.y)}`);
  return c.points.length === 3 ? `M${a} Q${b} ${d}` : `M${a} C${b} ${d} ${e}`;
}

// ---------------------------------------------------------------- labels

function blockAround(
  at: Point,
  dir: Point,
  lines: readonly string[],
): Pick<EdgeRoute, 'anchor' | 'firstBaseline' | 'labelBox' | 'label'> {
  const w = Math.max(...lines.map((l) => l.length)) * LABEL_CHAR_WIDTH;
  const h = lines.length * LABEL_LINE_HEIGHT;
  const anchor = dir.x > 0.35 ? 'start' : dir.x < -0.35 ? 'end' : 'middle';
  const top = dir.y > 0.35 ? at.y + 2 : dir.y < -0.35 ? at.y - h - 2 : at.y - h / 2;
  const left = anchor === 'start' ? at.x : anchor === 'end' ? at.x - w : at.x - w / 2;
  return {
    label: { x: round(at.x), y: round(at.y) },
    anchor,
    firstBaseline: round(top + 10.5),
    labelBox: { x: left, y: top, width: w, height: h },
  };
}

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

function placeLabel(
  c: Curve,
  boxes: readonly Rect[],
  placed: readonly Rect[],
  samples: readonly Point[],
): EdgeRoute {
  const lines = c.edges.map(edgeLabel);
  const base = { source: c.source, target: c.target, edges: c.edges, path: pathOf(c), lines };
  const ts = c.selfLoop ? [0.5] : [0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74];
  let best: (EdgeRoute & { cost: number }) | null = null;
  for (const t of ts) {
    const p = pointAt(c, t);
    for (const side of [1, -1]) {
      if (c.selfLoop && side === -1) continue;
      const dir = { x: c.outward.x * side, y: c.outward.y * side };
      const at = { x: p.x + dir.x * 7, y: p.y + dir.y * 7 };
      const block = blockAround(at, dir, lines);
      const padded = grow(block.labelBox, 4);
      let cost = Math.abs(t - 0.5) * 400 + (side === 1 ? 0 : 150);
      for (const b of boxes) cost += overlap(padded, b) * 20;
      for (const r of placed) cost += overlap(padded, r) * 20;
      for (const s of samples) {
        if (
          s.x > padded.x &&
          s.x < padded.x + padded.width &&
          s.y > padded.y &&
          s.y < padded.y + padded.height
        ) {
          cost += 250;
        }
      }
      if (!best || cost < best.cost) best = { ...base, ...block, cost };
    }
  }
  const { cost: _cost, ...route } = best!;
  return route;
}

const grow = (r: Rect, by: number): Rect => ({
  x: r.x - by,
  y: r.y - by,
  width: r.width + 2 * by,
  height: r.height + 2 * by,
});

const round = (n: number) => Math.round(n * 10) / 10;
