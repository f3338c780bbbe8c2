// Describes the machine the run happened on (the report's first section).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

function sh(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trimEnd();
  } catch {
    return null;
  }
}

function cpuModel() {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    return line ? line.split(':')[1].trim() : os.cpus()[0]?.model;
  } catch {
    return os.cpus()[0]?.model ?? 'unknown';
  }
}

/** Snapshot of the machine: cores, memory, CPU model, Node, disk, load average now. */
export function describeMachine(dir) {
  return {
    nproc: Number(sh('nproc', [])) || os.availableParallelism(),
    cpuModel: cpuModel(),
    memory: sh('free', ['-h']) ?? `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB total`,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    disk: sh('df', ['-hT', dir]) ?? 'unknown',
    loadAverage: os.loadavg().map((x) => Number(x.toFixed(2))),
  };
}

/** Load average now, for before/after each row. */
export const loadNow = () => os.loadavg().map((x) => Number(x.toFixed(2)));
