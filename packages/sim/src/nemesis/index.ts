export {
  type LeaderView,
  type MembershipControl,
  MembershipOperator,
  type RemovedFate,
} from './membership.js';
export { type CrashPoint, type FaultTarget, Nemesis, type NemesisOptions } from './nemesis.js';
export {
  type FaultKind,
  isProfileName,
  type NemesisProfile,
  type NemesisProfileName,
  PROFILES,
} from './profiles.js';
export { type ClusterEvent, Reactions } from './reactions.js';
