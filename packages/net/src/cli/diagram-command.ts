import { writeFileSync } from 'node:fs';
import { type DiagramFormat, type DiagramTheme, renderDiagram } from '../diagram/render.js';
import { UsageError } from './args.js';

export interface DiagramArgs {
  readonly format: DiagramFormat;
  readonly theme: DiagramTheme;
  /** Write here instead of stdout. */
  readonly out: string | null;
}

/** `raftkit diagram` flags: `--format mermaid|svg` (default mermaid), `--theme dark|light` (default light), `--out FILE`. */
export function parseDiagramArgs(argv: readonly string[]): DiagramArgs {
  let format: DiagramFormat = 'mermaid';
  let theme: DiagramTheme = 'light';
  let out: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = (name: string) => {
      const v = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i];
      if (v === undefined || v === '') throw new UsageError(`${name} needs a value`);
      return v;
    };
    if (arg === '--format' || arg.startsWith('--format=')) {
      const v = value('--format');
      if (v !== 'mermaid' && v !== 'svg')
        throw new UsageError(`unknown --format '${v}' (expected mermaid or svg)`);
      format = v;
    } else if (arg === '--theme' || arg.startsWith('--theme=')) {
      const v = value('--theme');
      if (v !== 'dark' && v !== 'light')
        throw new UsageError(`unknown --theme '${v}' (expected dark or light)`);
      theme = v;
    } else if (arg === '--out' || arg.startsWith('--out=')) {
      out = value('--out');
    } else {
      throw new UsageError(`diagram: unknown argument '${arg}'`);
    }
  }
  return { format, theme, out };
}

/**
 * `raftkit diagram --format mermaid|svg [--theme dark|light] [--out FILE]`:
 * the role statechart derived from core's `roleMachine`, on stdout or into FILE.
 */
export function runDiagram(argv: readonly string[], out: NodeJS.WritableStream): number {
  const args = parseDiagramArgs(argv);
  const text = renderDiagram(args.format, args.theme);
  if (args.out) writeFileSync(args.out, text);
  else out.write(text);
  return 0;
}
