/**
 * @raftkit/demo: the visualizer's server and hub, and the demo's building
 * blocks; the role statechart diagram (Mermaid / SVG, derived from
 * `roleMachine`) is re-exported from @raftkit/net. `pnpm demo` runs main.ts;
 * `pnpm raftkit diagram` is the diagram command.
 */

export {
  CONTROL_ACTIONS,
  type ControlCommand,
  ControlError,
  type ControlErrorCode,
  ControlService,
  parseControl,
} from './control.js';
export * from './diagram.js';
export { DemoHub, type HubEvent, type HubOptions } from './hub.js';
export type * from './model.js';
export { buildReport, type DemoReport, formatReport } from './report.js';
export { type Check, runScenario, type ScenarioContext, type ScenarioResult } from './scenario.js';
export { type DemoServer, type DemoServerOptions, startDemoServer } from './server.js';
export { ThreadCluster, type ThreadClusterOptions } from './thread-cluster.js';
export { classifyFailure, Workload, type WorkloadOptions } from './workload.js';
