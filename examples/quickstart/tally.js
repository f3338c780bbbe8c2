// A replicated tally: the whole app state-machine contract in one plain JS module.
export default function createTally() {
  let counts = new Map();
  return {
    apply(cmd, ctx) {
      if (!(cmd.by > 0)) throw new Error(`by must be > 0 (entry ${ctx.index})`); // check, then mutate
      counts.set(cmd.name, (counts.get(cmd.name) ?? 0) + cmd.by);
      return counts.get(cmd.name);
    },
    query: (name) => counts.get(name) ?? 0,
    snapshot: () => new TextEncoder().encode(JSON.stringify([...counts])),
    restore: (bytes) => (counts = new Map(JSON.parse(new TextDecoder().decode(bytes)))),
  };
}
