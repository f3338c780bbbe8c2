/**
 * @raftkit/demo: the role statechart diagram (Mermaid / SVG, derived from
 * `roleMachine`), the visualizer's server and hub, and the demo's building
 * blocks. `pnpm demo` runs main.ts; `node dist/diagram.js` is the diagram CLI.
 */

export {
  CONTROL_ACTIONS,
  type ControlCommand,
  ControlError,
  type ControlErrorCode,
  ControlService,
  parseControl,
} from './control.js';
export {
  type DiagramFormat,
  type DiagramTheme,
  edgeLabel,
  graphToMermaid,
  graphToSvg,
  parseDiagramArgs,
  ROLE_COLOURS,
  renderDiagram,
  roleMachineGraph,
  roleMachineToMermaid,
  roleMachineToSvg,
} from './diagram.js';
export { type DiagramLayout, layoutGraph } from './diagram-layout.js';
export { DemoHub, type HubEvent, type HubOptions } from './hub.js';
export type * from './model.js';
export { buildReport, type DemoReport, formatReport } from './report.js';
export { type Check, runScenario, type ScenarioContext, type ScenarioResult } from './scenario.js';
export { type DemoServer, type DemoServerOptions, startDemoServer } from './server.js';
export {
  describeGuard,
  GraphDerivationError,
  type GraphEdge,
  type GraphState,
  machineToGraph,
  type StateGraph,
} from './statechart-graph.js';
export { ThreadCluster, type ThreadClusterOptions } from './thread-cluster.js';
export { classifyFailure, Workload, type WorkloadOptions } from './workload.js';
