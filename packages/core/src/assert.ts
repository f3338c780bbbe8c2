/**
 * States an invariant where it holds, as etcd's and TigerBeetle's asserts do. A failure is a bug
 * in raftkit (or a store that lost what it promised), never bad input: it throws RaftError
 * 'SAFETY', so that the host stops this node rather than let it go on from a broken state.
 * Pass the message as a function on hot paths: it is only built when the assertion fails.
 */
import { RaftError } from './errors.js';

export function assert(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) throw new RaftError('SAFETY', typeof message === 'string' ? message : message());
}
