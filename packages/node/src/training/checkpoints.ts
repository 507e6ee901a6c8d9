/**
 * A provider's checkpoint states on disk (`<dataDir>/training/<job>-<round>/<index>.state`): what it answers disputes
 * from and what verifiers fetch to re-execute a segment (`GET /api/training/jobs/:id/checkpoints/:index`). A state is
 * a small JSON header (its step count, the optimizer's scalars, each tensor's length) and the tensors' binary32
 * values, little-endian, one after another.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { TrainerState } from '@mycel/training'

type Header = {
  steps: number
  step: number
  beta1Power: number
  beta2Power: number
  params: number[]
  slots: number[][]
}

const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1

/** The bytes of a state. */
export function encodeState(s: TrainerState): Uint8Array {
  const header: Header = {
    steps: s.steps,
    step: s.optimizer.step,
    beta1Power: s.optimizer.beta1Power,
    beta2Power: s.optimizer.beta2Power,
    params: s.params.map((p) => p.length),
    slots: s.optimizer.slots.map((per) => per.map((t) => t.length)),
  }
  const json = Buffer.from(JSON.stringify(header))
  const tensors = [...s.params, ...s.optimizer.slots.flat()]
  const values = tensors.reduce((n, t) => n + t.length, 0)
  const out = Buffer.alloc(4 + json.length + values * 4)
  out.writeUInt32LE(json.length, 0)
  json.copy(out, 4)
  let at = 4 + json.length
  for (const t of tensors) {
    if (littleEndian) Buffer.from(t.buffer, t.byteOffset, t.byteLength).copy(out, at)
    else for (let i = 0; i < t.length; i++) out.writeFloatLE(t[i] as number, at + 4 * i)
    at += t.byteLength
  }
  return out
}

/** A state from its bytes; throws a sentence for bytes that are not one. */
export function decodeState(bytes: Uint8Array): TrainerState {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const bad = (why: string) => new Error(`not a training state: ${why}`)
  if (buffer.length < 4) throw bad('too short')
  const length = buffer.readUInt32LE(0)
  if (4 + length > buffer.length) throw bad('the header runs past the end')
  let header: Header
  try {
    header = JSON.parse(buffer.subarray(4, 4 + length).toString('utf8')) as Header
  } catch {
    throw bad('the header is not JSON')
  }
  let at = 4 + length
  const take = (n: unknown) => {
    if (!Number.isInteger(n) || (n as number) < 0 || at + (n as number) * 4 > buffer.length)
      throw bad('a tensor runs past the end')
    const t = new Float32Array(n as number)
    for (let i = 0; i < t.length; i++) t[i] = buffer.readFloatLE(at + 4 * i)
    at += t.length * 4
    return t
  }
  if (!Array.isArray(header.params) || !Array.isArray(header.slots)) throw bad('no tensor lengths')
  const params = header.params.map(take)
  const slots = header.slots.map((per) => (Array.isArray(per) ? per.map(take) : []))
  if (at !== buffer.length) throw bad('bytes left after the tensors')
  return {
    steps: header.steps,
    params,
    optimizer: { step: header.step, beta1Power: header.beta1Power, beta2Power: header.beta2Power, slots },
  }
}

export type CheckpointStore = {
  save: (job: bigint, round: number, index: number, state: TrainerState) => void
  /** The bytes of a held checkpoint, or undefined. */
  bytes: (job: bigint, round: number, index: number) => Uint8Array | undefined
  load: (job: bigint, round: number, index: number) => TrainerState | undefined
}

export function createCheckpointStore(dataDir: string): CheckpointStore {
  const dir = (job: bigint, round: number) => join(dataDir, 'training', `${job}-${round}`)
  const bytes = (job: bigint, round: number, index: number) => {
    try {
      return readFileSync(join(dir(job, round), `${index}.state`))
    } catch {
      return undefined
    }
  }
  return {
    save(job, round, index, state) {
      mkdirSync(dir(job, round), { recursive: true })
      const file = join(dir(job, round), `${index}.state`)
      writeFileSync(`${file}.tmp`, encodeState(state))
      renameSync(`${file}.tmp`, file)
    },
    bytes,
    load(job, round, index) {
      const b = bytes(job, round, index)
      return b ? decodeState(b) : undefined
    },
  }
}
