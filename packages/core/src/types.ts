/**
 * The data types of @raftkit/core, by what they describe. Everything here is
 * plain data: it can be structured-cloned between threads and packed by the
 * codec (`codec.ts`).
 */
export * from './message-types.js';
export * from './raft-types.js';
export * from './ready-types.js';
export * from './status-types.js';
