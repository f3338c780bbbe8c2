export * from './codec.js';
export type { RaftConfig } from './config.js';
export * from './errors.js';
export * from './kv-state-machine.js';
export { MemoryStorage, type MemoryStorageInit } from './memory-storage.js';
export { RaftNode } from './raft-node.js';
export { RAFT_DEFAULTS } from './resolved-config.js';
export {
  type RoleEvent,
  type RoleEventType,
  type RoleMachine,
  type RoleMachineContext,
  type RoleMachineInput,
  roleMachine,
  TRANSITION_REASONS,
} from './role-machine.js';
export * from './split-brain-monitor.js';
export type { StateMachine } from './state-machine.js';
export type { Storage } from './storage.js';
export * from './types.js';
