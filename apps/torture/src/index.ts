export { parseTortureArgs, type TortureArgs, USAGE, UsageError } from './args.js';
export {
  alertsVerdict,
  convergenceVerdict,
  harnessVerdict,
  historyVerdict,
  lostWritesVerdict,
  type Verdict,
} from './checks.js';
export { ProxiedNetwork } from './cluster-net.js';
export { FaultProxy, type ProxyCounters } from './fault-proxy.js';
export { type LinkFault, LinkFaults } from './link-faults.js';
export { NemesisRunner, type TimelineEntry } from './nemesis.js';
export { type ClockSkew, NodeProcesses, safetyAlert } from './node-processes.js';
export { ClusterObserver, type StatusRow } from './observer.js';
export { formatReport, resultJson } from './report.js';
export {
  buildSchedule,
  describeFault,
  type Fault,
  type FaultStep,
  NEMESES,
  type NemesisKind,
} from './schedule.js';
export {
  replayCommand,
  runTorture,
  type TortureOptions,
  type TortureResult,
  unavailableReason,
} from './torture.js';
export { longestGap, Workload, type WorkloadResult } from './workload.js';
