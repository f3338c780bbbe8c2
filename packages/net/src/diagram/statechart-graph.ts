/**
 * A drawable graph (states and edges) of an XState v5 machine, read from
 * @xstate/graph's directed graph of it (`toDirectedGraph`): the `raftkit
 * diagram` command and the demo's visualizer draw the role statechart from
 * this, so the picture is the machine's own transition table.
 *
 * Only the machine's top-level states become graph nodes: each edge of the
 * directed graph is mapped to the top-level states it leaves and enters;
 * the root's edges apply in every state. Targetless transitions (actions
 * only; @xstate/graph draws them as self-loops) change no state and are
 * left out, as are moves between substates of one top-level state.
 */
import { type DirectedGraphNode, toDirectedGraph } from '@xstate/graph';
import type { AnyStateMachine, AnyStateNode } from 'xstate';

export interface GraphState {
  /** The state's key, e.g. `leader` (equals the role name for `roleMachine`). */
  readonly id: string;
  readonly description: string | null;
}

export interface GraphEdge {
  /** Unique, stable within one derivation: `source->target:event#n`. */
  readonly id: string;
  readonly source: string;
  readonly target: string;
  /** Event type; `(always)` for eventless transitions, `after …` for delayed ones. */
  readonly event: string;
  /**
   * Guard name (`!g` for negation, `(a && b)` for and, ...); `else` for an
   * unguarded alternative after guarded ones for the same event; null when
   * the transition is unconditional.
   */
  readonly guard: string | null;
  /** Declared on the machine root, so it leaves from any state. */
  readonly fromAnyState: boolean;
}

export interface StateGraph {
  readonly machineId: string;
  readonly initial: string;
  readonly states: readonly GraphState[];
  readonly edges: readonly GraphEdge[];
}

export class GraphDerivationError extends Error {
  override readonly name = 'GraphDerivationError';
}

interface TransitionLike {
  readonly eventType: string;
  readonly target: ReadonlyArray<AnyStateNode> | undefined;
  readonly guard?: unknown;
}

/** Builds the graph of `machine`'s top-level states and the transitions between them. */
export function machineToGraph(machine: AnyStateMachine): StateGraph {
  const root = machine.root;
  const tops = Object.values(root.states) as AnyStateNode[];
  if (tops.length === 0) throw new GraphDerivationError(`machine '${root.id}' has no states`);
  const topOf = (node: AnyStateNode): AnyStateNode | null => {
    let n: AnyStateNode | undefined = node;
    while (n && n.parent !== root) n = n.parent;
    return n ?? null;
  };

  const initialTarget = root.initial?.target?.[0];
  const initialTop = initialTarget ? topOf(initialTarget) : null;
  if (!initialTop) throw new GraphDerivationError(`machine '${root.id}' has no initial state`);

  const edges: GraphEdge[] = [];
  const seen = new Map<string, number>();
  const add = (source: string, target: string, t: TransitionLike, fromAnyState: boolean, isElse: boolean) => {
    const event = describeEvent(t.eventType);
    const base = `${source}->${target}:${event}`;
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    const guard = isElse ? 'else' : describeGuard(t.guard);
    edges.push({ id: `${base}#${n}`, source, target, event, guard, fromAnyState });
  };

  for (const graphNode of preOrder(toDirectedGraph(root))) {
    const node = graphNode.stateNode as AnyStateNode;
    const guardedEvents = new Set<string>();
    for (const t of transitionsOf(graphNode)) {
      // XState takes the first enabled alternative, so an unguarded one after guarded ones is their "else".
      const isElse = t.guard === undefined && guardedEvents.has(t.eventType);
      if (t.guard !== undefined) guardedEvents.add(t.eventType);
      if (!t.target || t.target.length === 0) continue; // targetless: no state change
      for (const targetNode of t.target) {
        const target = topOf(targetNode);
        if (!target) continue;
        if (node === root) {
          for (const s of tops) add(s.key, target.key, t, true, isElse);
          continue;
        }
        const source = topOf(node);
        if (!source) continue;
        // A move between substates of one top-level state is not a role change.
        if (source === target && node !== source) continue;
        add(source.key, target.key, t, false, isElse);
      }
    }
  }

  return {
    machineId: root.id,
    initial: initialTop.key,
    states: tops.map((s) => ({ id: s.key, description: s.description ?? null })),
    edges,
  };
}

/** The directed graph's nodes, each before its children (the machine's document order). */
function preOrder(node: DirectedGraphNode): DirectedGraphNode[] {
  return [node, ...node.children.flatMap(preOrder)];
}

/**
 * A node's transitions, one per @xstate/graph edge (an edge per target: the first carries it).
 * Eventless (`always`) transitions are not in that graph, so they are read from the state node.
 */
function transitionsOf(graphNode: DirectedGraphNode): TransitionLike[] {
  const list: TransitionLike[] = [];
  for (const e of graphNode.edges) {
    const t = e.transition as TransitionLike;
    if (list[list.length - 1] !== t) list.push(t);
  }
  const always = (graphNode.stateNode as AnyStateNode).always;
  if (always) list.push(...(always as TransitionLike[]));
  return list;
}

function describeEvent(eventType: string): string {
  if (eventType === '') return '(always)';
  if (eventType.startsWith('xstate.after.'))
    return `after ${eventType.slice('xstate.after.'.length).split('.')[0]}`;
  return eventType;
}

/** Readable guard name from XState's guard forms (string, `{type}`, named function, not/and/or). */
export function describeGuard(guard: unknown): string | null {
  if (guard === undefined || guard === null) return null;
  if (typeof guard === 'string') return guard;
  const g = guard as { type?: unknown; guards?: unknown; name?: unknown };
  if (typeof guard === 'function') {
    const combined = describeCombinator(g);
    if (combined) return combined;
    return typeof g.name === 'string' && g.name !== '' && g.name !== 'guard' ? g.name : 'guard';
  }
  if (typeof g.type === 'string') return g.type;
  return 'guard';
}

function describeCombinator(g: { name?: unknown; guards?: unknown }): string | null {
  // XState's not()/and()/or() return functions named after the combinator that carry their operands.
  const inner = Array.isArray(g.guards) ? g.guards.map((x) => describeGuard(x) ?? 'guard') : null;
  if (!inner) return null;
  if (g.name === 'not') return `!${inner[0]}`;
  if (g.name === 'and') return `(${inner.join(' && ')})`;
  if (g.name === 'or') return `(${inner.join(' || ')})`;
  return null;
}

/** One line of an edge's label: the event and, when there is one, its guard in brackets. */
export function edgeLabel(e: GraphEdge): string {
  return e.guard ? `${e.event} [${e.guard}]` : e.event;
}
