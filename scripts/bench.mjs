#!/usr/bin/env node
// `pnpm bench [--quick] [--json FILE] [--only rows]`: the benchmark suite of
// issue 8 (sources in bench/src, results in bench/results). The root script
// builds every package first (turbo), then runs this.
import { main } from '../bench/src/main.mjs';

const code = await main(process.argv.slice(2));
// Worker pools and sockets are closed by the rows; exit explicitly so a
// straggling handle in a peer library cannot keep the process alive.
process.exit(code);
