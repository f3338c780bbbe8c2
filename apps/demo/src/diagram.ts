/**
 * The role statechart diagram (graph derivation, layout, Mermaid and SVG)
 * lives in @raftkit/net, so that the `raftkit diagram` command can draw it
 * without depending on the demo; the demo's visualizer uses it from there.
 */
export {
  type DiagramArgs,
  type DiagramFormat,
  type DiagramLayout,
  type DiagramTheme,
  describeGuard,
  edgeLabel,
  GraphDerivationError,
  type GraphEdge,
  type GraphState,
  graphToMermaid,
  graphToSvg,
  layoutGraph,
  machineToGraph,
  parseDiagramArgs,
  ROLE_COLOURS,
  renderDiagram,
  roleMachineGraph,
  roleMachineToMermaid,
  roleMachineToSvg,
  type StateGraph,
} from '@raftkit/net';
