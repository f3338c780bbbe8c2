// Progress on stderr (the table goes to stdout): one line per step with the elapsed time.
const started = performance.now();

function stamp() {
  const s = (performance.now() - started) / 1000;
  return `[${s.toFixed(1).padStart(6)} s]`;
}

export const progress = {
  /** A row starts. */
  row(id, title) {
    process.stderr.write(`${stamp()} row ${id}: ${title}\n`);
  },
  /** A step inside a row. */
  step(msg) {
    process.stderr.write(`${stamp()}   ${msg}\n`);
  },
  warn(msg) {
    process.stderr.write(`${stamp()}   ! ${msg}\n`);
  },
};
