/**
 * Lineage (provenance/lineage.ts) over a chain index and the node's receipt store (real SQLite): from a dataset, a
 * model or an output hash, the graph walks both ways — certifications → dataset → jobs (compute-to-data ones by their
 * order's dataset, others by CID) → models → derivatives → outputs — with edges pointing downstream, nothing
 * unrelated, every edge between nodes of the graph, and a cut (flagged) at MAX_NODES.
 */
import type { CertificationAttestation, Model, TrainingJob } from '@mycel/sdk'
import fc from 'fast-check'
import type { Hex } from 'viem'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../src/db/database.ts'
import { createProvenanceStore } from '../src/db/stores/provenance.ts'
import { type ChainIndex, lineageOf, MAX_NODES } from '../src/provenance/lineage.ts'

const hex = (n: number, bytes = 32) => `0x${n.toString(16).padStart(bytes * 2, '0')}` as Hex
const dataset = (id: number, cid: string) =>
  ({
    datasetId: BigInt(id),
    cid,
    recordCount: 10,
    license: 'CC0-1.0',
    owner: hex(1, 20),
  }) as unknown as ChainIndex['datasets'][number]
const model = (id: number, parents: number[] = []) =>
  ({
    modelId: BigInt(id),
    weightsCid: `bafyweights${id}`,
    owner: hex(2, 20),
    parents: parents.map(BigInt),
  }) as unknown as Model
const job = (id: number, datasetCid: string, modelId: number) =>
  ({
    id: BigInt(id),
    status: 'accepted',
    provider: hex(3, 20),
    datasetCid,
    modelId: BigInt(modelId),
  }) as unknown as TrainingJob
const certification = (uid: number, datasetId: number, revoked = false) =>
  ({
    uid: hex(uid),
    attester: hex(4, 20),
    revoked,
    certification: { datasetId: BigInt(datasetId), passed: true },
  }) as unknown as CertificationAttestation

function receipts(outputs: { model: string; output: number }[]) {
  const store = createProvenanceStore(openDatabase(':memory:'))
  for (const o of outputs)
    store.put(hex(o.output + 1000), {
      kind: 'ai',
      model: o.model,
      request: hex(o.output + 2000),
      output: hex(o.output),
      time: 1n,
      signer: hex(5, 20),
      signature: `0x${'11'.repeat(65)}`,
    } as never)
  return store
}

// Dataset 1 (sealed cid A) certified twice (one revoked); job 7 (compute-to-data, order → dataset 1) trained model 3;
// model 4 derives from 3; model 9 is unrelated; dataset 2 (cid B) trained model 9 through job 8 (by CID).
const index: ChainIndex = {
  datasets: [dataset(1, 'bafyA'), dataset(2, 'bafyB')],
  certifications: [certification(11, 1), certification(12, 1, true), certification(13, 2)],
  jobs: [job(7, 'bafyA', 3), job(8, 'bafyB', 9)],
  models: [model(3), model(4, [3]), model(9)],
  jobDataset: new Map([[7n, 1n]]),
}
const store = receipts([
  { model: 'bafyweights3', output: 1 },
  { model: 'bafyweights4', output: 2 },
  { model: 'bafyweights9', output: 3 },
])
const ids = (l: ReturnType<typeof lineageOf>) => l.nodes.map((n) => n.id).sort()
const rel = (l: ReturnType<typeof lineageOf>) => l.edges.map((e) => `${e.from} ${e.relation} ${e.to}`).sort()

describe('lineage', () => {
  it('from a dataset: its certifications, the job on it, the model, its derivative and their outputs', () => {
    const l = lineageOf(index, store, 'bafyA')
    expect(l.found).toBe('dataset')
    expect(ids(l)).toEqual(
      [
        `certification:${hex(11)}`,
        `certification:${hex(12)}`,
        'dataset:1',
        'job:7',
        'model:3',
        'model:4',
        `output:${hex(1)}`,
        `output:${hex(2)}`,
      ].sort(),
    )
    expect(rel(l)).toEqual(
      [
        `certification:${hex(11)} certifies dataset:1`,
        `certification:${hex(12)} certifies dataset:1`,
        'dataset:1 trained in job:7',
        'job:7 produced model:3',
        'model:3 parent of model:4',
        `model:3 answered output:${hex(1)}`,
        `model:4 answered output:${hex(2)}`,
      ].sort(),
    )
    expect(l.nodes.find((n) => n.id === `certification:${hex(12)}`)?.label).toMatch(/revoked/)
    expect(l.nodes.find((n) => n.id === 'job:7')?.details.computeToData).toBe(true)
  })

  it('from an output: back through its model, parent, job and dataset to the certification', () => {
    const l = lineageOf(index, store, hex(2))
    expect(l.found).toBe('output')
    expect(rel(l)).toEqual(
      expect.arrayContaining([
        `model:4 answered output:${hex(2)}`,
        'model:3 parent of model:4',
        'job:7 produced model:3',
        'dataset:1 trained in job:7',
        `certification:${hex(11)} certifies dataset:1`,
      ]),
    )
    expect(ids(l)).not.toContain('model:9')
    expect(ids(l)).not.toContain('dataset:2')
  })

  it('from a model trained on a dataset named by CID; nothing for an unknown id', () => {
    const l = lineageOf(index, store, 'bafyweights9')
    expect(l.found).toBe('model')
    expect(rel(l)).toEqual(
      [
        `certification:${hex(13)} certifies dataset:2`,
        'dataset:2 trained in job:8',
        'job:8 produced model:9',
        `model:9 answered output:${hex(3)}`,
      ].sort(),
    )
    expect(lineageOf(index, store, 'bafyunknown')).toMatchObject({ found: null, nodes: [], edges: [] })
    expect(lineageOf(index, store, hex(999))).toMatchObject({ found: null })
  })

  it('property: over random model trees every edge joins nodes of the graph, and the graph is cut at MAX_NODES', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { minLength: 1, maxLength: 400 }), (parentPicks) => {
        // Model i+1 derives from a random earlier model (a tree rooted at model 1, trained on dataset 1).
        const models = [model(1), ...parentPicks.map((p, i) => model(i + 2, [(p % (i + 1)) + 1]))]
        const l = lineageOf({ ...index, models, jobs: [job(7, 'bafyA', 1)] }, undefined, 'bafyA')
        const nodeIds = new Set(l.nodes.map((n) => n.id))
        for (const e of l.edges) {
          expect(nodeIds.has(e.from)).toBe(true)
          expect(nodeIds.has(e.to)).toBe(true)
        }
        expect(l.nodes.length).toBeLessThanOrEqual(MAX_NODES)
        const expected = 1 + 2 + 1 + models.length // dataset, its certifications, the job, every model
        expect(l.truncated).toBe(expected > MAX_NODES)
        if (!l.truncated) expect(l.nodes.length).toBe(expected)
      }),
      { numRuns: 100 },
    )
  })
})
