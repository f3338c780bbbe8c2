// Raised by RaftClient for a request above the frame limit (defined by the runtime, re-exported for net users).
export { Backoff, type BackoffOptions, TooLargeError } from '@raftkit/runtime';
export * from './address.js';
export { type RestoreOptions, restoreSnapshot } from './backup/restore.js';
export * from './backup/snapshot-file.js';
export { UsageError } from './cli/args.js';
export { type DiagramArgs, parseDiagramArgs, runDiagram } from './cli/diagram-command.js';
export { AdminClient, type AdminClientOptions, type MemberRow } from './client/admin-client.js';
export { NodeBusyError, NodeChannel, type NodeChannelOptions } from './client/node-channel.js';
export * from './client/protocol.js';
export { RaftClient, type RaftClientOptions } from './client/raft-client.js';
export { TcpCluster, type TcpClusterOptions } from './client/tcp-cluster.js';
export * from './client-connection.js';
export { type DiagramLayout, type EdgeRoute, layoutGraph, type StateBox } from './diagram/layout.js';
export {
  type DiagramFormat,
  type DiagramTheme,
  graphToMermaid,
  graphToSvg,
  ROLE_COLOURS,
  renderDiagram,
  roleMachineGraph,
  roleMachineToMermaid,
  roleMachineToSvg,
} from './diagram/render.js';
export {
  describeGuard,
  edgeLabel,
  GraphDerivationError,
  type GraphEdge,
  type GraphState,
  machineToGraph,
  type StateGraph,
} from './diagram/statechart-graph.js';
export * from './errors.js';
export * from './framing/frame.js';
export { FrameDecoder } from './framing/frame-decoder.js';
export * from './framing/framed-connection.js';
export * from './framing/send-queue.js';
export { freePorts } from './free-ports.js';
export * from './handshake/handshake.js';
export * from './handshake/messages.js';
export * from './handshake/proof.js';
export * from './handshake/secret.js';
export { DialError, openSocket } from './links/open-socket.js';
export * from './liveness/peer-health.js';
export * from './liveness/probe-packet.js';
export * from './liveness/rtt-estimator.js';
export * from './liveness/udp-prober.js';
export * from './log.js';
export * from './metrics.js';
export { type NodeIdentity, prepareDataDir } from './node/data-dir.js';
export {
  type NodeBackend,
  NodeServer,
  type NodeServerOptions,
  type NodeStatusReport,
} from './node/node-server.js';
export { handoverTarget, LeaderOperations, type NodeOperations } from './node/operations.js';
export { PeerDirectory } from './node/peer-directory.js';
export { raftBatchValidator } from './node/raft-batch-check.js';
export { RaftkitNode, type RaftkitNodeOptions } from './node/raftkit-node.js';
export type { RepairAnswer } from './node/self-repair.js';
export type { PeerStatus } from './peer-status.js';
export * from './testing/local-processes.js';
export * from './tls-options.js';
export * from './transport.js';
