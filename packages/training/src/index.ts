/**
 * @mycel/training — the deterministic training engine (docs/training.md): IEEE-754 binary32 arithmetic with one
 * fixed order for every reduction, its own exp and log, a counter-based seeded PRNG, dense layers, ReLU, softmax cross-entropy,
 * SGD with momentum and Adam. Pure TypeScript, no I/O: the same job gives the same bits in any process.
 */
export {
  type CheckpointTree,
  checkpointTree,
  type DatasetTree,
  datasetTree,
  exampleFeatures,
  exampleHash,
  float32Bytes,
  openingHash,
  openingParts,
  openState,
  type StateOpening,
  stateHash,
  verifyCheckpoint,
  verifyExample,
} from './commit.ts'
export { datasetOf } from './data.ts'
export {
  CHAIN_SPEC_ABI,
  type ChainSpec,
  chainSpec,
  chunkHex,
  DESCENT,
  descendNodes,
  disputedTensor,
  type Evidence,
  encodeOpening,
  evidence,
  FANOUT,
  firstLane,
  initOpening,
  innerPoints,
  mlpSpecOfChain,
  type Named,
  namedTensor,
  type Proven,
  partialSums,
  pickNode,
  pickSegment,
  prove,
  recordStep,
  type StepRecord,
  segmentPoints,
  stateDifference,
  sumWord,
  TARGET,
} from './dispute.ts'
export { add32, bitsOf32, div32, exp32, fromBits32, log32, mul32, sqrt32, sub32 } from './f32.ts'
export * as layout from './layout.ts'
export {
  chunkLeaf,
  chunkOf,
  itemTree,
  type TensorTree,
  tensorRoot,
  tensorTree,
  VALUES_PER_CHUNK,
  verifyChunk,
  verifyItem,
} from './merkle.ts'
export {
  accuracy,
  createMlpTrainer,
  type Dataset,
  denseLayers,
  initBound,
  initialParams,
  initialValue,
  type MlpSpec,
  type MlpTrainer,
  type MlpTrainerOptions,
  type OnOp,
  type OpName,
  probabilities,
  type TrainerState,
  tensorsHash,
  validateSpec,
} from './mlp.ts'
export {
  addBias,
  columnSums,
  expRow,
  matmul,
  matmulTransA,
  matmulTransB,
  relu,
  reluBackward,
  softmaxCrossEntropy,
} from './ops.ts'
export {
  type Adam,
  createOptimizerState,
  type OptimizerSpec,
  type OptimizerState,
  optimizerStep,
  type Sgd,
} from './optim.ts'
export { KERNELS, type KernelName, outputRows, type RunKernel, runKernel, share } from './parallel/kernels.ts'
export {
  CALL_TIMEOUT_MS,
  createKernelPool,
  type KernelPool,
  KernelPoolError,
  MAX_WORKERS,
  sharedFloat32,
} from './parallel/pool.ts'
export { type RunMessage, type RunOptions, runOnWorker } from './parallel/runner.ts'
export { createParallelMlpTrainer, type ParallelMlpTrainer } from './parallel/trainer.ts'
export {
  challengerMove,
  type DisputeView,
  decodeOpening,
  type Memory,
  type Move,
  type Party,
  PHASE,
  providerMove,
  providerMoves,
  type Seen,
} from './play.ts'
export {
  createRandom,
  exampleAt,
  hash32,
  permute,
  type Random,
  randomWord,
  STREAMS,
  streamKey,
  unitFloat32,
} from './random.ts'
export { type Replayer, replayer } from './replay.ts'
export { mlpSpecOf, parseTrainingSpec, type TrainingSpec, TrainingSpecError } from './spec.ts'
export {
  firstDifference,
  OP_CODES,
  type StepTrace,
  type TraceEntry,
  traceStep,
  verifyTraceEntry,
} from './trace.ts'
