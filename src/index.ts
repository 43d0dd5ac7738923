// core: the tree every search builds, the domain interface, seeded randomness
export type { Domain, Heuristic, MaybePromise, SolutionCheck, StepContext } from './core/domain.js';
export { located, UserError } from './core/errors.js';
export { hash32, Rng } from './core/rng.js';
export {
  checkTreeInvariants,
  type SearchEvent,
  type SearchEventKind,
  type SearchNode,
  SearchTree,
  type TreeJSON,
} from './core/tree.js';
// countdown: Stream of Search's task
export {
  type CountdownProblem,
  type CountdownStep,
  combine,
  type Op,
  parseStep,
  stepText,
} from './countdown/arithmetic.js';
export { type CheckReport, checkCountdownFile } from './countdown/check.js';
export { countdownDomain } from './countdown/domain.js';
export { type GenerateOptions, type GenerateSummary, generateCountdownFile } from './countdown/generate.js';
export {
  type CountdownConfig,
  drawProblem,
  HELD_OUT_SPLITS,
  type HeldOutSplit,
  inputSplit,
  SOS_COUNTDOWN,
  type Split,
  splitTargets,
  validateConfig,
} from './countdown/generator.js';
export { HEURISTICS, multHeuristic, sumHeuristic } from './countdown/heuristics.js';
export { astarTrace } from './countdown/linearize/astar.js';
export { TRACE_FORMATS, type TraceFormat } from './countdown/linearize/format.js';
export { extractSolution, parseTrace, type TraceLine } from './countdown/linearize/parse.js';
export { type CountdownTree, optimalPath, streamOfSearch } from './countdown/linearize/stream.js';
export { type CountdownRecord, makeRecord } from './countdown/record.js';
export { findSolution, maxNodes } from './countdown/solve.js';
export {
  parseSolverName,
  pickMixSolver,
  runSolver,
  SOLVER_NAMES,
  SOS_SOLVERS,
  type SolverSpec,
  solverName,
} from './countdown/solvers.js';
export { COUNTDOWN_VOCAB_V1, Tokenizer, type Vocabulary } from './countdown/tokenizer.js';
export {
  COUNTDOWN_TOOLS,
  type CountdownTool,
  countdownTools,
  type ForceHook,
  GOAL_TEST_FORMATS,
} from './countdown/tools.js';
export { verifyCountdown } from './countdown/verify.js';
// curate: Big-Math curation (`metacot data build`): readers, field mapping, rule filters, dedup, decontamination, difficulty
export {
  type BuildOptions as CurateBuildOptions,
  type BuildResult as CurateBuildResult,
  buildDataset,
  type DifficultyConfig,
  problemId,
} from './curate/build.js';
export { type DecontaminationOptions, Decontaminator } from './curate/decontaminate.js';
export {
  DIFFICULTY_SYSTEM_PROMPT,
  type DifficultyOptions,
  type DifficultyProblem,
  difficultyQuintile,
  measureDifficulty,
  readCheckpoint as readDifficultyCheckpoint,
  type SolveCount,
} from './curate/difficulty.js';
export { ExactDedup } from './curate/exact-dedup.js';
export {
  detectMapping,
  type FieldMapping,
  loadMappingOverrides,
  type MappingOverrides,
  mapRow,
} from './curate/field-map.js';
export { RULE_FILTERS } from './curate/filters/index.js';
export { nonEnglishReason } from './curate/filters/language.js';
export { DEFAULT_LSH, LshIndex, type LshOptions } from './curate/lsh.js';
export { MinHasher, type MinHashOptions, similarity as minhashSimilarity } from './curate/minhash.js';
export type { OutputRow as CuratedRow } from './curate/output-row.js';
export { listInputFiles, readRows as readCurateRows } from './curate/readers/index.js';
export type { BuildReport } from './curate/report.js';
export {
  type ProblemRecord,
  type RawRow,
  type RuleFilter,
  SIGNALS,
  type SignalName,
  type Signals,
} from './curate/types.js';
// engine (training): LLaMA graph + own autodiff run on ONNX Runtime, AdamW trainer, checkpoints
export { type AdamWOptions, type AdamWState, adamwStep, clipGradients, globalNorm } from './engine/adamw.js';
export {
  Batcher,
  type BatcherOptions,
  type DataPosition,
  type Example,
  evalBatches,
  type TrainBatch,
} from './engine/batching.js';
export { type BenchTrainOptions, type BenchTrainResult, benchTrain } from './engine/bench-train.js';
export { type CheckpointState, hasCheckpoint, loadCheckpoint, saveCheckpoint } from './engine/checkpoint.js';
export {
  encodeGguf,
  exportGguf,
  type GgufFile,
  type GgufTensorInfo,
  type GgufValue,
  type GgufVocab,
  ggufTensor,
  ggufTokens,
  importGguf,
  parseGguf,
  readGguf,
} from './engine/gguf/gguf.js';
export { gradients } from './engine/graph/autodiff.js';
export { Graph, type Node as GraphNode } from './engine/graph/graph.js';
export { type BenchSampleOptions, type BenchSampleResult, benchSample } from './engine/infer/bench-sample.js';
export {
  type GenerateRequest,
  type Generation,
  Sampler,
  type SamplerOptions,
  type Score,
  type ScoreRequest,
} from './engine/infer/sampler.js';
export { initWeights } from './engine/init.js';
export {
  DEFAULT_MODEL_CONFIG,
  type ModelConfig,
  parameterShapes,
  type Weights,
} from './engine/model-config.js';
export { releaseCachedGraphs } from './engine/onnx/session.js';
// engine inference: reference forward pass, batched KV-cache sampling and scoring, GGUF export/import
export {
  logSoftmaxRows,
  randomWeights,
  referenceLogits,
  referenceScore,
  validateTokens,
  validateWeights,
} from './engine/reference.js';
export { decodeSafetensors, encodeSafetensors, type NamedTensor } from './engine/safetensors.js';
export { learningRate, type ScheduleOptions } from './engine/schedule.js';
export { type TrainOptions, type TrainProgress, type TrainResult, train } from './engine/train.js';
export {
  forwardLogits,
  type StepResult,
  Trainer,
  type TrainerHyper,
  type TrainerOptions,
} from './engine/trainer.js';
export { validateConfig as validateModelConfig } from './engine/validate.js';
// llm serve + eval: OpenAI-compatible server over any backend; pass@k, maj@k, best-of-N@k, accuracy vs tokens
export { accuracyByTokens, type TokenBin } from './eval/accuracy-tokens.js';
export { bestByScore } from './eval/best-of-n.js';
export {
  type EvalReport,
  type EvaluateOptions,
  evaluateSamples,
  type GradedSample,
  gradeSamples,
} from './eval/evaluate.js';
export { groupsOf, meanOverGroups } from './eval/groups.js';
export { clusterAnswers, majorityIndex } from './eval/majority.js';
export {
  BOOTSTRAP_RESAMPLES,
  bootstrapCi95,
  comparePaired,
  mcnemarExact,
  type PairedComparison,
} from './eval/paired.js';
export { meanPassAtK, passAtK } from './eval/pass-at-k.js';
export { evalReportHtml } from './eval/report.js';
export { type EvalSample, readSamples } from './eval/samples.js';
// export + scaleout: dataset exporters (verl Parquet, OpenRLHF, TRL, chat JSONL) and the GPT-NeoX online
// rollout server (TCP + pickle, per-rank listeners, prefetch, trainer-tokenizer ids, verifier rewards)
export {
  type AnyRows,
  BOXED_INSTRUCTION,
  type ChatTurn,
  chatRecords,
  DEFAULT_EXPORT_OPTIONS,
  EXPLORE_INSTRUCTION,
  EXPORT_FORMATS,
  type ExportFormat,
  type ExportOptions,
  type ExportRequest,
  type ExportSummary,
  exportDataset,
  openrlhfRecords,
  type ProblemRow,
  type RowKind,
  readProblems,
  readRows,
  renderExport,
  renderPrompt,
  resolveTemplate,
  type SftRow,
  TEMPLATES,
  trlRecords,
  verlParquet,
} from './export/index.js';
// iterate: Meta-STaR rounds with any trainer (`metacot iterate`): config, child processes, state, metrics
export {
  ITERATE_FORMATS,
  type IterateConfig,
  IterateConfigSchema,
  type IterateFormat,
  loadIterateConfig,
  parseIterateConfig,
} from './iterate/config.js';
export { metricsTable } from './iterate/metrics.js';
export { type Child, type ChildRecord, ChildRegistry } from './iterate/processes.js';
export { type IterateOptions, runIterate } from './iterate/run.js';
export type { IterateState, RoundMetrics, RoundState } from './iterate/state.js';
export { type TokenExample, tokenExample } from './iterate/tokens.js';
// llm: language-model backends (OpenAI-compatible HTTP, node-llama-cpp GGUF, our engine), specs, tokenizers
export type {
  ChatMessage,
  Completion,
  CompletionRequest,
  CompletionResult,
  LMBackend,
  ScoreResult,
} from './llm/backend.js';
export { type CheckpointGgufResult, exportCheckpointGguf, ggufVocab } from './llm/checkpoint-gguf.js';
export { EngineBackend, type EngineBackendOptions } from './llm/engine.js';
export { LMRequestError } from './llm/errors.js';
export {
  DEFAULT_THREADS as LLAMA_CPP_DEFAULT_THREADS,
  LlamaCppBackend,
  type LlamaCppOptions,
} from './llm/llama-cpp.js';
export { listModels, OpenAIBackend, type OpenAIBackendOptions, type UsageTotals } from './llm/openai.js';
export { openaiHandler, type ServeOptions } from './llm/serve/handler.js';
export { type ListenOptions, type RunningLMServer, startLMServer } from './llm/serve/listen.js';
export { type BackendKind, type BackendSpec, backendFromSpec, parseBackendSpec } from './llm/spec.js';
export { AsciiTokenizer, TEXT_TOKENIZERS, type TextTokenizer, textExample } from './llm/text-tokenizer.js';
export {
  recordedTokenizer,
  resolveTokenizer,
  TOKENIZER_FILE,
  tokenizerById,
  writeTokenizerFile,
} from './llm/tokenizer-file.js';
export {
  BACK_TOKEN,
  DEFAULT_PHRASES,
  LINEARIZE_STYLES,
  type LinearizeOptions,
  type LinearizeStyle,
  type LmTree,
  linearize as linearizeLmTree,
  type Phrases,
  replayBack,
  type SftRecord,
  sftRecord,
} from './reasoning/linearize.js';
// reasoning: search over language-model steps (LM domain, values, linearization, resumable SQLite store)
export {
  type AnswerCheck,
  type LmDomain,
  type LmState,
  lmDomain,
  verifierCheck,
} from './reasoning/lm-domain.js';
export { loadProblems, type MathProblem } from './reasoning/problems.js';
export {
  LM_ALGORITHMS,
  type LmAlgorithm,
  type RunProgress,
  type RunSearchArgs,
  runSearch,
  type SearchRunConfig,
  type Shard,
  searchOne,
  type ValueSpec,
} from './reasoning/run.js';
export { parseSegmentation, type Segmentation, type Segmenter, segmenter } from './reasoning/segment.js';
export { mergeStores, type ResultRow, SearchStore } from './reasoning/store.js';
export {
  loadTemplate,
  type PromptTemplate,
  problemPrompt,
  renderRequest,
  TEMPLATES as PROMPT_TEMPLATES,
} from './reasoning/template.js';
export { Usage as LmUsage } from './reasoning/usage.js';
export { cachedValue, judgeValue, prmValue, rolloutValue, type StateValue } from './reasoning/value.js';
export { BatchQueue, QueueFailed } from './scaleout/batch-queue.js';
export {
  buildGroup,
  type GroupDeps,
  type GroupOptions,
  type GroupOutcome,
  type NeoxGroup,
  promptIds,
} from './scaleout/groups.js';
export {
  type NeoxServerEvent,
  type NeoxServerOptions,
  type RunningNeoxServer,
  SPLITS as NEOX_SPLITS,
  startNeoxServer,
} from './scaleout/neox-server.js';
export { type Picklable, PyFloat, pickleDumps } from './scaleout/pickle.js';
export {
  batchProducer,
  ProblemCursor,
  type ProducerEvent,
  type ProducerOptions,
  type RetryPolicy,
  type Split as NeoxSplit,
  SplitUnusable,
} from './scaleout/producer.js';
export {
  loadTrainerTokenizer,
  type TokenizerLoadOptions,
  type TrainerTokenizer,
} from './scaleout/tokenizer.js';
// search: one interface, one file per algorithm, a registry and the shared conformance suite
export { type BeamOptions, beam } from './search/beam.js';
export { type BestFirstOptions, bestFirst } from './search/best-first.js';
export {
  type Aggregation,
  type BestOfNOptions,
  bestOfN,
  select as selectAnswer,
} from './search/best-of-n.js';
export { type ConformanceCase, checkConformance } from './search/conformance.js';
export { type DfsOptions, dfs } from './search/dfs.js';
export { type DvtsOptions, dvts } from './search/dvts.js';
export { Frontier } from './search/frontier.js';
export { type MctsOptions, mcts, type ValueFn } from './search/mcts.js';
export { SEARCHERS, type SearcherName } from './search/registry.js';
export { type StepBeamOptions, stepBeam } from './search/step-beam.js';
export type { Budget, SearchAlgorithm, SearchArgs, SearchResult, StopReason } from './search/types.js';
export { type RunningServer, type StartOptions, startRewardServer } from './server/node.js';
export type { RewardRequest, RewardResponse, VerifyRequest, VerifyResponse } from './server/protocol.js';
// verify: math answer extraction, normalization and type-aware equivalence; worker pool; reward server
export { type RewardServerOptions, rewardHandler } from './server/reward.js';
export * from './verify/index.js';
