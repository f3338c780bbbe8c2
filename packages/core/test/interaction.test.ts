/**
 * Interaction transcripts (test/testdata/*.txt): each file is a scenario of
 * commands and the exact trace they print (messages, Readies, role changes).
 * A changed behaviour fails here with the diff of the changed lines.
 * `REWRITE=1 npx vitest run packages/core/test/interaction.test.ts` writes
 * the current output back into the files (review the diff before committing).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InteractionEnv } from './interaction/env.js';
import { runTranscript } from './interaction/transcript.js';

const dir = fileURLToPath(new URL('./testdata/', import.meta.url));
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.txt'))
  .sort();
const rewrite = process.env.REWRITE === '1';

describe('interaction transcripts', () => {
  it('the testdata folder has transcripts', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  for (const file of files) {
    it(file, () => {
      const path = `${dir}${file}`;
      const expected = readFileSync(path, 'utf8');
      const env = new InteractionEnv();
      const actual = runTranscript(expected, `testdata/${file}`, (cmd) => env.run(cmd));
      if (rewrite) writeFileSync(path, actual);
      else expect(actual, `testdata/${file} (REWRITE=1 to accept)`).toBe(expected);
    });
  }
});
