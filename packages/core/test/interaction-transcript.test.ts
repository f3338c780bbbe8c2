/**
 * The transcript format and interpreter of the interaction tests
 * (interaction.test.ts): how a file is read and rewritten, and that authoring
 * mistakes fail with the file and line instead of passing silently.
 */
import { describe, expect, it } from 'vitest';
import { InteractionEnv } from './interaction/env.js';
import { parseCommand, runTranscript, TranscriptError } from './interaction/transcript.js';

const echo = (lines: string[]) => () => lines;

describe('transcript files', () => {
  it('reads plain words, key=value and key=(list) arguments', () => {
    const c = parseCommand('add-nodes 3 voters=(1, 2,3) preVote=false', 'f:1');
    expect(c).toMatchObject({ name: 'add-nodes', args: ['3'], where: 'f:1' });
    expect([...c.kv]).toEqual([
      ['voters', ['1', '2', '3']],
      ['preVote', 'false'],
    ]);
  });

  it('replaces each output block and keeps comments and blank lines; empty output prints ok', () => {
    const text = '# a comment\ncmd one\n----\nstale\nlines\n\ncmd two\n----\n';
    const outputs = [['fresh'], []];
    const got = runTranscript(text, 'f', () => outputs.shift()!);
    expect(got).toBe('# a comment\ncmd one\n----\nfresh\n\ncmd two\n----\nok\n');
    expect(runTranscript(got, 'f', echo(['fresh']))).not.toBe(got); // a changed output shows as a changed text
  });

  it('a command without its ---- line, unbalanced parentheses or a blank output line fail with file:line', () => {
    expect(() => runTranscript('\ncmd\nnext\n', 'f', echo([]))).toThrow(
      /f:2: command "cmd" must be followed/,
    );
    expect(() => parseCommand('x a=(1,2', 'f:3')).toThrow(TranscriptError);
    expect(() => runTranscript('cmd\n----\n', 'f', echo(['a', '']))).toThrow(/f:1/);
  });
});

describe('the interpreter', () => {
  const run = (text: string) => {
    const env = new InteractionEnv();
    return runTranscript(text, 't', (c) => env.run(c));
  };

  it('an unknown command, node or option fails with its location', () => {
    expect(() => run('frobnicate 1\n----\n')).toThrow(/t:1: unknown command "frobnicate"/);
    expect(() => run('add-nodes 1\n----\n\ncampaign 9\n----\n')).toThrow(/t:4: no node 9/);
    expect(() => run('add-nodes 1 electionTick=5\n----\n')).toThrow(/t:1: unknown option electionTick/);
    expect(() => run('add-nodes 1\n----\n\ntick 1 m=5\n----\n')).toThrow(/t:4: tick takes no m=/);
  });

  it('a RaftError of the node is printed as its answer, even under log-level none', () => {
    const out = run('add-nodes 1 electionTicks=1\n----\n');
    expect(out).toMatch(/^add-nodes 1 electionTicks=1\n----\nerror ConfigError: /);
    expect(run('log-level none\n----\n\nadd-nodes 1 electionTicks=1\n----\n')).toContain(
      'error ConfigError: ',
    );
  });

  it('a single node elects itself and commits a proposal', () => {
    const out = run(
      'add-nodes 1\n----\n\ncampaign 1\n----\n\nstabilize\n----\n\npropose 1 x\n----\n\nstabilize\n----\n',
    );
    expect(out).toContain('1 candidate -> leader term:1 (voteWon)');
    expect(out).toContain('proposal 1 committed 1/2');
  });
});
