// Server processes the TCP row starts: spawn with captured output, wait for a
// line that says the server is up, kill -9, and stop them all at the end.
import { spawn } from 'node:child_process';

/** Keeps the last `limit` characters a process printed (for error messages). */
class OutputTail {
  constructor(limit = 4000) {
    this.limit = limit;
    this.text = '';
  }
  push(chunk) {
    this.text = (this.text + chunk.toString()).slice(-this.limit);
  }
}

/**
 * Spawns `command args`; resolves with the child once `ready()` (polled every
 * 50 ms and on each output chunk) returns true; rejects when the child exits
 * first or after `timeoutMs`.
 */
export function spawnServer(name, command, args, { ready, timeoutMs = 30_000, env } = {}) {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
  const tail = new OutputTail();
  child.stdout.on('data', (d) => tail.push(d));
  child.stderr.on('data', (d) => tail.push(d));
  child.outputTail = tail;
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearInterval(poll);
      if (error) {
        child.kill('SIGKILL');
        reject(error);
      } else resolve(child);
    };
    const check = async () => {
      try {
        if (!done && (await ready(tail.text))) finish(null);
      } catch {
        // not up yet
      }
    };
    const timer = setTimeout(
      () => finish(new Error(`${name} was not up within ${timeoutMs} ms: ${tail.text.slice(-500)}`)),
      timeoutMs,
    );
    const poll = setInterval(check, 50);
    child.stdout.on('data', check);
    child.once('exit', (code, signal) =>
      finish(new Error(`${name} exited with ${code ?? signal}: ${tail.text.slice(-500)}`)),
    );
  });
}

/** kill -9 and wait for the exit. */
export function killHard(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when every child has exited. */
export function stopAll(children, graceMs = 5000) {
  return Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
          child.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}
