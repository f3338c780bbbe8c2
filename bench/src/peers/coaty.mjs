// @coaty/consensus.raft (a TypeScript port of etcd/raft), driven in-process as
// a 3-node cluster through its ported RawNode and MemoryStorage, exactly as
// the harness drives raftkit's RaftNode (rows 2 and 8).
//
// Its RaftController (the non-ported layer) needs a Coaty MQTT broker and
// SQLite, so only the ported etcd/raft core is driven. Loading the ported
// modules still pulls in the controller module, which requires sqlite3; that
// native addon is not built here (pnpm skips dependency build scripts), so a
// stand-in object is placed in the require cache for it. Nothing in the path
// driven here touches SQLite.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

let lib = null;

/** Loads the ported modules once; throws with the reason when the package is not usable. */
export function loadCoaty() {
  if (lib) return lib;
  const rawnodePath = require.resolve('@coaty/consensus.raft/ported/rawnode.js');
  const pkgRequire = createRequire(rawnodePath);
  try {
    const sqlite = createRequire(pkgRequire.resolve('@coaty/core')).resolve('sqlite3');
    require.cache[sqlite] ??= { id: sqlite, filename: sqlite, loaded: true, exports: {} };
  } catch {
    // sqlite3 not installed at all: nothing to stand in for.
  }
  const base = rawnodePath.slice(0, -'rawnode.js'.length);
  const logger = pkgRequire(`${base}logger.js`);
  logger.setLogger(logger.discardLogger);
  lib = {
    RawNode: pkgRequire(`${base}rawnode.js`).RawNode,
    RaftConfig: pkgRequire(`${base}raft.js`).RaftConfig,
    MemoryStorage: pkgRequire(`${base}storage.js`).MemoryStorage,
    pb: pkgRequire(`${base}raftpb/raft.pb.js`),
    version: require('@coaty/consensus.raft/package.json').version,
  };
  return lib;
}

/**
 * A harness adapter over three coaty RawNodes. Proposals carry a 100-character
 * string: RaftData is JSON in this library (it sizes entries with
 * JSON.stringify, so a Uint8Array would be measured as a JSON object of 100
 * keys and be far slower). The leader commits in proposal order, so commits
 * are matched to clients first-in first-out.
 */
export function coatyAdapter() {
  const { RawNode, RaftConfig, MemoryStorage, pb } = loadCoaty();
  const ids = ['1', '2', '3'];
  const payload = 'v'.repeat(100);
  const nodes = new Map(
    ids.map((id) => {
      const storage = MemoryStorage.NewMemoryStorage();
      storage.snapshot.metadata.confState = new pb.ConfState({ voters: ids });
      const rn = RawNode.NewRawNode(
        new RaftConfig({
          id,
          electionTick: 10,
          heartbeatTick: 1,
          storage,
          maxSizePerMsg: 1024 * 1024,
          maxInflightMsgs: 64,
          maxUncommittedEntriesSize: 1 << 30,
          checkQuorum: true,
          preVote: true,
        }),
      );
      return [id, { rn, storage }];
    }),
  );
  const leader = nodes.get('1').rn;
  const fifo = [];
  let head = 0;
  let queue = [];
  const a = {
    name: 'coaty etcd/raft port',
    steps: 0,
    elect() {
      leader.campaign();
      a.pump(() => {});
      if (leader.basicStatus().softState.lead !== '1') throw new Error('coaty node 1 did not become leader');
    },
    propose(client) {
      const err = leader.propose(payload);
      if (err) throw new Error(`coaty propose: ${err.message}`);
      fifo.push(client);
    },
    pump(onCommit) {
      for (let round = 0; round < 1000; round++) {
        for (const [id, { rn, storage }] of nodes) {
          while (rn.hasReady()) {
            const rd = rn.ready();
            if (!rd.hardState.isEmptyHardState()) storage.SetHardState(rd.hardState);
            if (rd.entries.length) storage.Append(rd.entries);
            for (const m of rd.messages) queue.push(m);
            if (id === '1') {
              for (const e of rd.committedEntries) {
                if (e.type === pb.EntryType.EntryNormal && e.data === payload) onCommit(fifo[head++]);
              }
              if (head > 65_536) {
                fifo.splice(0, head);
                head = 0;
              }
            }
            rn.advance(rd);
          }
        }
        if (queue.length === 0) return;
        const q = queue;
        queue = [];
        for (const m of q) {
          const err = nodes.get(m.to).rn.step(m);
          if (err) throw new Error(`coaty step: ${err.message}`);
        }
        a.steps += q.length;
      }
      throw new Error('coaty cluster did not quiesce in 1000 rounds');
    },
  };
  return a;
}
