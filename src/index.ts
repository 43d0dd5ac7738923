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
export { verifyCountdown } from './countdown/verify.js';
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
