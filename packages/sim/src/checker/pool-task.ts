/**
 * Piscina task module: checks one history (a file, or text already in memory) in a pool
 * worker. Loaded from the built dist/ by `checkFilesParallel`; errors come back as data so
 * one bad file does not sink a batch.
 */
import { checkHistoryFile, checkHistoryText, type HistoryFormat } from './formats.js';
import type { CheckResult } from './result.js';

export type HistoryCheckTask = (
  | { readonly path: string; readonly text?: undefined }
  | { readonly text: string; readonly path?: undefined; readonly label?: string }
) & {
  readonly format?: HistoryFormat;
  readonly budgetMs?: number;
  readonly maxSteps?: number;
};

export interface HistoryCheckOutcome {
  /** The file path, or the label given with the text. */
  readonly source: string;
  readonly format?: HistoryFormat;
  readonly result?: CheckResult;
  /** Set instead of `result` when the history could not be read or checked. */
  readonly error?: string;
}

export async function checkHistoryTask(task: HistoryCheckTask): Promise<HistoryCheckOutcome> {
  const source = task.path ?? task.label ?? '<text>';
  const options = { format: task.format, budgetMs: task.budgetMs, maxSteps: task.maxSteps };
  try {
    const { format, result } =
      task.path !== undefined
        ? await checkHistoryFile(task.path, options)
        : checkHistoryText(task.text, options);
    return { source, format, result };
  } catch (err) {
    return { source, error: err instanceof Error ? err.message : String(err) };
  }
}

export default checkHistoryTask;
