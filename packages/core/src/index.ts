export * from './types.js';
export * from './errors.js';
export type { RaftConfig } from './config.js';
export type { Storage } from './storage.js';
export type { StateMachine } from './state-machine.js';
export { RaftNode } from './raft-node.js';
export * from './codec.js';
export * from './kv-state-machine.js';
export * from './split-brain-monitor.js';
