/**
 * Lineage (docs/provenance.md "Lineage"): from any content id — a dataset's sealed CID, a model's weights CID, or the
 * hash of an output or of its receipt — the graph that links it both ways: the dataset's certifications on EAS, the
 * training jobs run on it (compute-to-data jobs by their order's dataset id, others by the dataset CID they name), the
 * models those jobs registered, their parents and their derivatives, and the outputs whose receipts this node holds.
 * Edges point downstream: certification → dataset → job → model → (derived) model → output.
 *
 * Everything but the outputs is read from the chain (one walk shared for two seconds by every caller); outputs are
 * the receipts this node signed or was given. The graph stops at {@link MAX_NODES} nodes and says so.
 */
import {
  type CertificationAttestation,
  getDataJobOrder,
  listCertifications,
  listDatasets,
  listModels,
  listTrainingJobs,
  type Model,
  type MycelAddresses,
  type TrainingJob,
} from '@mycel/sdk'
import type { Hex, PublicClient } from 'viem'
import type { ProvenanceStore, StoredReceipt } from '../db/stores/provenance.ts'

export const MAX_NODES = 300
/** Outputs shown per model (the newest). */
const OUTPUTS_PER_MODEL = 10

export type LineageKind = 'certification' | 'dataset' | 'job' | 'model' | 'output'
export type LineageNode = { id: string; kind: LineageKind; label: string; details: Record<string, unknown> }
export type LineageEdge = {
  from: string
  to: string
  relation: 'certifies' | 'trained in' | 'produced' | 'parent of' | 'answered'
}
export type Lineage = {
  cid: string
  found: 'dataset' | 'model' | 'output' | null
  nodes: LineageNode[]
  edges: LineageEdge[]
  /** True when the graph was cut at {@link MAX_NODES}. */
  truncated: boolean
}

type Dataset = Awaited<ReturnType<typeof listDatasets>>['datasets'][number]

/** What the chain holds, indexed for the walk. */
export type ChainIndex = {
  datasets: Dataset[]
  certifications: CertificationAttestation[]
  jobs: TrainingJob[]
  models: Model[]
  /** For compute-to-data jobs: the dataset id of their order. */
  jobDataset: Map<bigint, bigint>
}

/** A compute-to-data job's dataset, fixed at its order: read once per job and process, not at every walk. */
const orderDatasets = new WeakMap<MycelAddresses, Map<bigint, bigint>>()

/** Reads what lineage walks (the newest 500 of each). */
export async function readChainIndex(client: PublicClient, addresses: MycelAddresses): Promise<ChainIndex> {
  const [{ datasets }, certifications, jobs, { models }] = await Promise.all([
    listDatasets(client, { datasetRegistry: addresses.datasetRegistry, limit: 500 }),
    listCertifications(client, { eas: addresses.eas }),
    listTrainingJobs(client, { trainingJobs: addresses.trainingJobs, limit: 500 }),
    listModels(client, { modelRegistry: addresses.modelRegistry, limit: 500 }),
  ])
  const known = orderDatasets.get(addresses) ?? new Map<bigint, bigint>()
  orderDatasets.set(addresses, known)
  const c2d = addresses.computeToData.toLowerCase()
  const dataJobs = jobs.filter((j) => j.buyer.toLowerCase() === c2d)
  await Promise.all(
    dataJobs
      .filter((j) => !known.has(j.id))
      .map(async (j) => {
        const order = await getDataJobOrder(client, { computeToData: addresses.computeToData, jobId: j.id })
        if (order) known.set(j.id, order.datasetId)
      }),
  )
  const jobDataset = new Map<bigint, bigint>()
  for (const j of dataJobs) {
    const datasetId = known.get(j.id)
    if (datasetId !== undefined) jobDataset.set(j.id, datasetId)
  }
  return { datasets, certifications, jobs, models, jobDataset }
}

const short = (s: string) => (s.length > 18 ? `${s.slice(0, 10)}…${s.slice(-6)}` : s)

/** The lineage of `cid` over `index`, with outputs from `receipts`. */
export function lineageOf(index: ChainIndex, receipts: ProvenanceStore | undefined, cid: string): Lineage {
  const nodes = new Map<string, LineageNode>()
  const edges = new Map<string, LineageEdge>()
  let truncated = false
  const add = (node: LineageNode) => {
    if (nodes.has(node.id)) return true
    if (nodes.size >= MAX_NODES) {
      truncated = true
      return false
    }
    nodes.set(node.id, node)
    return true
  }
  const link = (from: string, to: string, relation: LineageEdge['relation']) => {
    if (nodes.has(from) && nodes.has(to)) edges.set(`${from}>${to}`, { from, to, relation })
  }
  const datasetOfJob = (job: TrainingJob) => {
    const id = index.jobDataset.get(job.id)
    return id !== undefined
      ? index.datasets.find((d) => d.datasetId === id)
      : index.datasets.find((d) => d.cid === job.datasetCid)
  }
  const jobNode = (job: TrainingJob): LineageNode => ({
    id: `job:${job.id}`,
    kind: 'job',
    label: `job ${job.id}`,
    details: {
      jobId: job.id,
      status: job.status,
      provider: job.provider,
      datasetCid: job.datasetCid,
      computeToData: index.jobDataset.has(job.id),
    },
  })
  const modelNode = (m: Model): LineageNode => ({
    id: `model:${m.modelId}`,
    kind: 'model',
    label: `model ${m.modelId}`,
    details: { modelId: m.modelId, weightsCid: m.weightsCid, owner: m.owner, parents: m.parents },
  })
  const datasetNode = (d: Dataset): LineageNode => ({
    id: `dataset:${d.datasetId}`,
    kind: 'dataset',
    label: `dataset ${d.datasetId}`,
    details: { datasetId: d.datasetId, cid: d.cid, records: d.recordCount, license: d.license, owner: d.owner },
  })

  /** An output by its receipt (what it answered, who signed it, when, whether anchored). */
  const outputNode = (r: StoredReceipt): LineageNode => ({
    id: `output:${r.receipt.output}`,
    kind: 'output',
    label: `output ${short(r.receipt.output)}`,
    details: {
      output: r.receipt.output,
      receipt: r.digest,
      signer: r.receipt.signer,
      time: r.receipt.time,
      anchored: r.batchRoot !== null,
      model: r.receipt.model,
    },
  })

  /** Upstream of a dataset: its certifications. */
  const certify = (d: Dataset) => {
    for (const c of index.certifications) {
      if (c.certification.datasetId !== d.datasetId) continue
      const id = `certification:${c.uid}`
      if (
        !add({
          id,
          kind: 'certification',
          label: `${c.certification.passed ? 'certified' : 'failed'}${c.revoked ? ' (revoked)' : ''} ${short(c.uid)}`,
          details: { uid: c.uid, attester: c.attester, passed: c.certification.passed, revoked: c.revoked },
        })
      )
        return
      link(id, `dataset:${d.datasetId}`, 'certifies')
    }
  }
  /** Downstream of a model: its derivatives and its outputs. */
  const downFromModel = (m: Model, seen: Set<bigint>) => {
    if (seen.has(m.modelId)) return
    seen.add(m.modelId)
    for (const r of receipts?.ofModel(m.weightsCid, OUTPUTS_PER_MODEL) ?? []) {
      const output = outputNode(r)
      if (!add(output)) return
      link(`model:${m.modelId}`, output.id, 'answered')
    }
    for (const child of index.models.filter((c) => c.parents.includes(m.modelId))) {
      if (!add(modelNode(child))) return
      link(`model:${m.modelId}`, `model:${child.modelId}`, 'parent of')
      downFromModel(child, seen)
    }
  }
  /** Downstream of a dataset: the jobs on it and what they produced. */
  const downFromDataset = (d: Dataset, seen: Set<bigint>) => {
    for (const job of index.jobs.filter((j) => datasetOfJob(j)?.datasetId === d.datasetId)) {
      if (!add(jobNode(job))) return
      link(`dataset:${d.datasetId}`, `job:${job.id}`, 'trained in')
      const model = job.modelId === 0n ? undefined : index.models.find((m) => m.modelId === job.modelId)
      if (!model || !add(modelNode(model))) continue
      link(`job:${job.id}`, `model:${model.modelId}`, 'produced')
      downFromModel(model, seen)
    }
  }
  /** Upstream of a model: the job that trained it and its dataset, and its parents (theirs in turn). */
  const upFromModel = (m: Model, seen: Set<bigint>) => {
    if (seen.has(m.modelId)) return
    seen.add(m.modelId)
    const job = index.jobs.find((j) => j.modelId === m.modelId)
    if (job && add(jobNode(job))) {
      link(`job:${job.id}`, `model:${m.modelId}`, 'produced')
      const d = datasetOfJob(job)
      if (d && add(datasetNode(d))) {
        link(`dataset:${d.datasetId}`, `job:${job.id}`, 'trained in')
        certify(d)
      }
    }
    for (const parentId of m.parents) {
      const parent = index.models.find((p) => p.modelId === parentId)
      if (!parent || !add(modelNode(parent))) continue
      link(`model:${parent.modelId}`, `model:${m.modelId}`, 'parent of')
      upFromModel(parent, seen)
    }
  }

  let found: Lineage['found'] = null
  const dataset = index.datasets.find((d) => d.cid === cid)
  const startModel = (m: Model) => {
    add(modelNode(m))
    upFromModel(m, new Set())
    downFromModel(m, new Set())
  }
  if (dataset) {
    found = 'dataset'
    add(datasetNode(dataset))
    certify(dataset)
    downFromDataset(dataset, new Set())
  } else {
    const model = index.models.find((m) => m.weightsCid === cid)
    if (model) {
      found = 'model'
      startModel(model)
    } else if (/^0x[0-9a-fA-F]{64}$/.test(cid) && receipts) {
      const [hit] = receipts.find(cid as Hex)
      const served = hit && index.models.find((m) => m.weightsCid === hit.receipt.model)
      if (hit) {
        found = 'output'
        if (served) startModel(served)
        const output = outputNode(hit)
        add(output)
        if (served) link(`model:${served.modelId}`, output.id, 'answered')
      }
    }
  }
  return { cid, found, nodes: [...nodes.values()], edges: [...edges.values()], truncated }
}
