// Per-peer health from two channels (TCP contact and UDP probes): the one
// implementation lives in @raftkit/core, shared with RaftNode's failure detector.
// Here `now` is a monotonic clock in milliseconds.
export {
  type ChannelState,
  type ChannelView,
  combineHealth,
  type Health,
  type HealthView,
  PeerHealth,
  type PeerHealthOptions,
} from '@raftkit/core';
