export type {
  CrashPoint,
  FaultTarget,
  LeaderView,
  MembershipControl,
  NemesisFaults,
  NemesisOptions,
} from './fault-target.js';
export { MembershipOperator, type RemovedFate } from './membership.js';
export { Nemesis } from './nemesis.js';
export {
  type FaultKind,
  isProfileName,
  type NemesisProfile,
  type NemesisProfileName,
  PROFILES,
} from './profiles.js';
export { type ClusterEvent, Reactions } from './reactions.js';
