/**
 * `@raftkit/core/testing`: hooks for the simulator to prove its checkers can
 * fail. Deliberate bugs ride on a config object under a private symbol; they
 * cannot be switched on through any normal `RaftConfig` field.
 *
 *   const cfg = withInjectedBugs({ id, storage, peers, seed }, ['commit-old-term']);
 *   const node = new RaftNode(cfg);
 *
 * The bugs survive `{ ...cfg, storage: other }` (restart with recovered storage).
 */
import { attachInjectedBugs, INJECTED_BUGS, type InjectedBug, injectedBugsIn } from './injected-bugs.js';

export { INJECTED_BUGS, type InjectedBug };

/** Every injected bug name, for CLIs and test matrices. */
export const ALL_INJECTED_BUGS: readonly InjectedBug[] = INJECTED_BUGS;

/** A copy of `config` with `bugs` switched on (added to any it already carries). Unknown names throw ConfigError. */
export function withInjectedBugs<C extends object>(config: C, bugs: readonly InjectedBug[]): C {
  return attachInjectedBugs(config, bugs);
}

/** The bugs a config carries (empty for every normal config). */
export function injectedBugsOf(config: object): ReadonlySet<InjectedBug> {
  return injectedBugsIn(config);
}

/** True when `config` carries `bug`. Hosts check 'reply-before-persist' with this. */
export function hasInjectedBug(config: object, bug: InjectedBug): boolean {
  return injectedBugsIn(config).has(bug);
}
