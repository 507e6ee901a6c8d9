/**
 * The two players of the dispute game: given the dispute as the contract reports it and what the other side last
 * posted, `providerMove` and `challengerMove` return the next call a side makes (the function of
 * `TrainingDisputes.sol` and its arguments after the dispute id), or undefined when it is not that side's turn. The
 * node's trainer and verifier roles and the contract tests play with exactly these functions.
 */
import { decodeAbiParameters, type Hex } from 'viem'
import { type DatasetTree, openingParts, openState, type StateOpening, stateHash } from './commit.ts'
import {
  type ChainSpec,
  chunkHex,
  descendNodes,
  disputedTensor,
  evidence,
  firstLane,
  initOpening,
  innerPoints,
  type Named,
  namedTensor,
  OPENING_ABI,
  partialSums,
  pickNode,
  pickSegment,
  recordStep,
  type StepRecord,
  stateDifference,
  sumWord,
  TARGET,
} from './dispute.ts'
import type { Dataset, MlpSpec, OnOp, TrainerState } from './mlp.ts'

/** Phases of `TrainingDisputes.Phase`, by number. */
export const PHASE = {
  None: 0,
  Bisect: 1,
  Pick: 2,
  Open: 3,
  OpenInit: 4,
  Name: 5,
  Descend: 6,
  PickNode: 7,
  Chunk: 8,
  Lane: 9,
  Resolve: 10,
  Model: 11,
  Done: 12,
} as const

/** Whose move a phase is. */
export const providerMoves = (phase: number) =>
  phase !== PHASE.Pick && phase !== PHASE.Name && phase !== PHASE.PickNode && phase !== PHASE.Lane

/** The dispute as `getDispute` returns it (the fields the players read). */
export type DisputeView = {
  phase: number
  target: number
  entry: number
  output: number
  step: bigint
  lo: bigint
  hi: bigint
  hiValue: Hex
  opening: Hex
  level: number
  index: number
  element: number
}

/** One side: the job's spec and data, and the states it trained (or claims it trained). */
export type Party = {
  spec: MlpSpec
  chain: ChainSpec
  /** The job's dataset (the one `chain.datasetRoot` commits) and its tree. */
  data: Dataset
  dataset: DatasetTree
  /** The data this side actually read (a faulty provider may read another order); defaults to `data`. */
  readData?: Dataset
  /** The state after `step` steps as this side has it. */
  state: (step: number) => TrainerState
  /** A fault applied to a step's live tensors (tests only). */
  tamper?: (step: number) => OnOp | undefined
}

/** What the other side posted last (the contract's events carry it): values, the opening, nodes, a chunk. */
export type Seen = { values?: Hex[]; opening?: Hex; nodes?: Hex[]; chunk?: Hex }

export type Move = { fn: string; args: unknown[] }

/** A side's memory of the step under dispute (re-computing a step record costs one step and its trees). */
export type Memory = { step?: number; record?: StepRecord; named?: Named; sums?: Float32Array; sumsFor?: string }

/** The provider's opening as the challenger reads it from the `StepOpened` event. */
export function decodeOpening(opening: Hex): { start: StateOpening; end: StateOpening; roots: Hex[] } {
  const [o] = decodeAbiParameters(OPENING_ABI, opening)
  const state = (s: (typeof o)['start'], steps: bigint): StateOpening => ({
    steps,
    paramRoots: [...s.params],
    slotRoots: [...s.slots],
    optimizerStep: s.optimizerStep,
    beta1Power: s.beta1Power,
    beta2Power: s.beta2Power,
  })
  return { start: state(o.start, 0n), end: state(o.end, 0n), roots: [...o.trace] }
}

/** This side's record of the disputed step (or of the initial state), computed once. */
function recordOf(me: Party, d: DisputeView, memory: Memory, claimEnd: boolean): StepRecord {
  const init = d.target === TARGET.init
  const step = init ? -1 : Number(d.step)
  if (memory.record && memory.step === step) return memory.record
  let record: StepRecord
  if (init) {
    const s0 = me.state(0)
    record = { step: 0, start: s0, end: s0, tensors: [], roots: [], opening: initOpening(s0) }
  } else {
    const end = claimEnd ? me.state(step + 1) : undefined
    record = recordStep(me.spec, me.readData ?? me.data, me.state(step), end, me.tamper?.(step))
  }
  memory.step = step
  memory.record = record
  return record
}

const named = (d: DisputeView): Named => ({ target: d.target, entry: d.entry, output: d.output })

/** Partial sums of the named element, once per element. */
function sumsOf(me: Party, d: DisputeView, memory: Memory, record: StepRecord): Float32Array {
  const key = `${d.step}:${d.entry}:${d.output}:${d.element}`
  if (!memory.sums || memory.sumsFor !== key) {
    memory.sums = partialSums(me.spec, record, d.entry, d.output, d.element)
    memory.sumsFor = key
  }
  return memory.sums
}

const summing = (d: DisputeView) => d.opening !== `0x${'00'.repeat(32)}`

/** The provider's next move, or undefined when it is not its turn. */
export function providerMove(d: DisputeView, me: Party, memory: Memory = {}): Move | undefined {
  const { chain } = me
  const lo = Number(d.lo)
  const hi = Number(d.hi)
  switch (d.phase) {
    case PHASE.Bisect: {
      if (!summing(d)) return { fn: 'bisect', args: [innerPoints(lo, hi).map((p) => stateHash(me.state(p)))] }
      const sums = sumsOf(me, d, memory, recordOf(me, d, memory, true))
      return { fn: 'bisect', args: [innerPoints(lo, hi).map((p) => sumWord(sums[p] as number))] }
    }
    case PHASE.Open:
      return { fn: 'openStep', args: [chain, recordOf(me, d, memory, true).opening] }
    case PHASE.OpenInit:
      return { fn: 'openInit', args: [chain, recordOf(me, { ...d, target: TARGET.init }, memory, true).opening] }
    case PHASE.Descend: {
      const record = recordOf(me, d, memory, true)
      return {
        fn: 'descend',
        args: [chain, record.opening, descendNodes(namedTensor(me.spec, record, named(d)), d.level, d.index)],
      }
    }
    case PHASE.Chunk:
      return {
        fn: 'revealChunk',
        args: [chunkHex(namedTensor(me.spec, recordOf(me, d, memory, true), named(d)), d.index)],
      }
    case PHASE.Resolve: {
      const record = recordOf(me, d, memory, true)
      const e = evidence(me.spec, me.data, me.dataset, record, named(d), d.element, lo)
      return { fn: 'resolve', args: [chain, record.opening, e] }
    }
    case PHASE.Model:
      return { fn: 'answerModel', args: [chain, openingParts(openState(me.state(chain.steps))).optimizer] }
    default:
      return undefined
  }
}

/** The challenger's next move given what the provider posted, or undefined when it is not its turn. */
export function challengerMove(d: DisputeView, me: Party, seen: Seen, memory: Memory = {}): Move | undefined {
  const { chain } = me
  const lo = Number(d.lo)
  const hi = Number(d.hi)
  switch (d.phase) {
    case PHASE.Pick: {
      const values = seen.values ?? []
      if (!summing(d)) {
        return {
          fn: 'pick',
          args: [values, BigInt(pickSegment(lo, hi, values, d.hiValue, (p) => stateHash(me.state(p))))],
        }
      }
      const sums = sumsOf(me, d, memory, recordOf(me, d, memory, false))
      const j = pickSegment(lo, hi, values, d.hiValue, (p) => sumWord(sums[p] as number))
      return { fn: 'pick', args: [values, BigInt(j)] }
    }
    case PHASE.Name: {
      const opening = seen.opening as Hex
      const theirs = decodeOpening(opening)
      const init = d.target === TARGET.init
      const mine = recordOf(me, d, memory, false)
      // No difference means this side's records agree with the provider's (a verifier challenges only on one).
      const fallback: Named = { target: init ? TARGET.init : TARGET.update, entry: 0, output: 0 }
      const n =
        (init
          ? stateDifference(openState(mine.start), theirs.start, TARGET.init)
          : disputedTensor(me.spec, mine, { roots: theirs.roots, end: theirs.end })) ?? fallback
      memory.named = n
      return { fn: 'name', args: [chain, opening, n.target, n.entry, n.output] }
    }
    case PHASE.PickNode: {
      const nodes = seen.nodes ?? []
      const mine = namedTensor(me.spec, recordOf(me, d, memory, false), named(d))
      return { fn: 'pickNode', args: [nodes, BigInt(pickNode(mine, d.level, d.index, nodes))] }
    }
    case PHASE.Lane: {
      const mine = namedTensor(me.spec, recordOf(me, d, memory, false), named(d))
      return { fn: 'nameLane', args: [chain, seen.opening, BigInt(firstLane(mine, d.index, seen.chunk as Hex))] }
    }
    default:
      return undefined
  }
}
