import { finalizeHash } from './hash.js';
import type { CheckerModel } from './model.js';

/** Transition rows stop being allocated past this many cells (states x operations); then steps go to the model. */
const MAX_TRANSITION_CELLS = 1 << 24;
/**
 * A state gets a transition row only after this many model steps from it: states met in
 * one configuration only (common when values accumulate, e.g. appends) never pay for one.
 */
const ROW_AFTER_STEPS = 32;
const ILLEGAL = -1;
const UNKNOWN = 0;

/**
 * Every model state the search meets, interned to a small integer, plus a memo of the
 * model's transitions (state id, operation) -> next state id. The search then runs on
 * integers: the model is asked once per distinct transition, and the memo cache compares
 * and hashes integers instead of (possibly long) strings or objects.
 */
export class StateTable<S, I, O> {
  /** State by id. */
  readonly states: S[] = [];
  /** 32-bit hash of each state id (ids are unique per state, so hashing the id suffices). */
  hashes: Int32Array = new Int32Array(64);
  private stepsFrom: Int32Array = new Int32Array(64);
  /** Primitive states (the default): by value, using the engine's own string/number hashing. */
  private readonly byValue = new Map<S, number>();
  /** States with a model-defined equality: buckets by the model's hash. */
  private readonly byHash = new Map<number, number | number[]>();
  private readonly rows: (Int32Array | undefined)[] = [];
  private cells = 0;

  constructor(
    private readonly model: CheckerModel<S, I, O>,
    private readonly inputs: readonly I[],
    private readonly outputs: readonly O[],
  ) {
    if (model.equal !== undefined && model.hash === undefined) {
      throw new TypeError(`model ${model.name}: equal() needs a consistent hash()`);
    }
  }

  /** The id of `state`, adding it if new. */
  intern(state: S): number {
    if (this.model.equal === undefined) {
      const known = this.byValue.get(state);
      if (known !== undefined) return known;
      if (state !== null && (typeof state === 'object' || typeof state === 'function')) {
        throw new TypeError(`model ${this.model.name}: non-primitive states need equal() and hash()`);
      }
      const id = this.add(state);
      this.byValue.set(state, id);
      return id;
    }
    const equal = this.model.equal.bind(this.model);
    const h = this.model.hash!(state) | 0;
    const found = this.byHash.get(h);
    if (typeof found === 'number') {
      if (equal(this.states[found], state)) return found;
    } else if (found !== undefined) {
      for (const id of found) if (equal(this.states[id], state)) return id;
    }
    const id = this.add(state);
    if (found === undefined) this.byHash.set(h, id);
    else if (typeof found === 'number') this.byHash.set(h, [found, id]);
    else found.push(id);
    return id;
  }

  private add(state: S): number {
    const id = this.states.length;
    this.states.push(state);
    if (id === this.hashes.length) {
      const hashes = new Int32Array(id * 2);
      hashes.set(this.hashes);
      this.hashes = hashes;
      const stepsFrom = new Int32Array(id * 2);
      stepsFrom.set(this.stepsFrom);
      this.stepsFrom = stepsFrom;
    }
    this.hashes[id] = finalizeHash(Math.imul(id + 1, 0x9e37_79b1));
    return id;
  }

  /** The state id after operation `op` in state `stateId`, or -1 when the model rejects it. */
  step(stateId: number, op: number): number {
    let row = this.rows[stateId];
    if (row !== undefined) {
      const known = row[op];
      if (known !== UNKNOWN) return known === ILLEGAL ? -1 : known - 1;
    } else if (
      ++this.stepsFrom[stateId] >= ROW_AFTER_STEPS &&
      this.cells + this.inputs.length <= MAX_TRANSITION_CELLS
    ) {
      row = new Int32Array(this.inputs.length);
      this.rows[stateId] = row;
      this.cells += row.length;
    }
    const [legal, after] = this.model.step(this.states[stateId], this.inputs[op], this.outputs[op]);
    const next = legal ? this.intern(after) : -1;
    if (row !== undefined) row[op] = legal ? next + 1 : ILLEGAL;
    return next;
  }
}
