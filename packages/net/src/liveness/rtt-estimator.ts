// The RTT estimator is shared with the core's failure detector (adaptive timeouts);
// one implementation lives in @raftkit/core. Here the unit is milliseconds.
export { RttEstimator, type RttEstimatorOptions, type RttStats } from '@raftkit/core';
