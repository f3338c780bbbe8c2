export { Budget, type BudgetOptions } from './budget.js';
export { type CheckOptions, checkOperations } from './check.js';
export { EdnSyntaxError, type EdnValue, readEdn, readEdnAll } from './edn.js';
export { HistoryTimeError } from './entries.js';
export { HistoryFormatError, HistoryRecorderError } from './errors.js';
export {
  checkHistoryFile,
  checkHistoryText,
  detectFormat,
  HISTORY_FORMATS,
  type HistoryCheck,
  type HistoryCheckOptions,
  type HistoryFormat,
  porcupineKvModel,
} from './formats.js';
export { finalizeHash, hashString } from './hash.js';
export type { KvOp, KvOpKind, KvOpStatus, KvOutput } from './history.js';
export { validateKvOp } from './history.js';
export { JEPSEN_REGISTER_KEY, parseJepsenLog } from './jepsen-parser.js';
export { type KvClient, performKv } from './kv-client.js';
export {
  checkKvHistory,
  createKvModel,
  describeKvOperation,
  type KvInput,
  type KvModelOptions,
  type KvObserved,
  type KvState,
  kvModel,
  kvOperations,
} from './kv-model.js';
export type { CheckerModel, HistoryOperation, HistoryPartition, ModelStep } from './model.js';
export { checkFilesParallel, checkTextsParallel, type ParallelCheckOptions } from './parallel.js';
export { checkHistoryTask, type HistoryCheckOutcome, type HistoryCheckTask } from './pool-task.js';
export { parsePorcupineKvLog } from './porcupine-kv-parser.js';
export { parseRaftkitHistory, type RaftkitStyle, serializeHistory } from './raftkit-format.js';
export {
  HistoryRecorder,
  type HistoryRecorderOptions,
  type KvInvocation,
  type OpHandle,
} from './recorder.js';
export {
  type RegisterInput,
  type RegisterOp,
  type RegisterOutput,
  type RegisterValue,
  registerModel,
  registerOperations,
} from './register-model.js';
export { formatCheckResult, type ReportOptions } from './report.js';
export type {
  BlockedOperation,
  CheckResult,
  LinearizedStep,
  PartitionReport,
  ReportedOperation,
  Verdict,
  Violation,
} from './result.js';
export { type PartitionSearch, searchPartition } from './wgl.js';
