// Placeholder until the benchmark suite lands (issue 8).
console.log('pnpm bench: not yet — the benchmark suite is tracked in issue 8.');
