/**
 * What the `mycel model …` commands share (commands/model.ts: register, list, show, terms, licenses;
 * commands/modelGovern.ts: fractionalize, royalties; commands/modelVote.ts: govern): parsing ids and the terms file, the content store for weights and cards, the
 * token aliases, and finding a fractionalized model's governor and its proposals from chain events — so a user names
 * a model and a proposal by id, never by contract address or calldata.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { basename, extname } from 'node:path'
import { createContentStore, parseContentCid } from '@mycel/node'
import {
  getModel,
  getModelGovernance,
  getTokenInfo,
  InvalidTermsError,
  type LicenseTerms,
  type Model,
  type ModelGovernance,
  type MycelAddresses,
  modelGovernorAbi,
  modelGovernorTimelockAbi,
  modelRegistryAbi,
  PROPOSER_ROLE,
  type ProposalAction,
  parseLicenseTerms,
  roleMembers,
} from '@mycel/sdk'
import { type Address, type Client, type Hex, isAddress, zeroAddress } from 'viem'
import { getLogs } from 'viem/actions'
import { type ChainContext, contractsOn, type GlobalFlags, nodeOptions } from './context.ts'
import { usageError } from './errors.ts'
import { parseIntegerOption } from './options.ts'

/** A license id argument: a positive whole number. */
export const licenseIdOf = (value: string) =>
  BigInt(parseIntegerOption('license id', value, 1, Number.MAX_SAFE_INTEGER))

/** When a license ends, for people and JSON: an ISO time, or null for a perpetual one (expiresAt 2^64 − 1). */
export const expiryOf = (expiresAt: bigint) =>
  expiresAt === 2n ** 64n - 1n ? null : new Date(Number(expiresAt) * 1000).toISOString()

/** A model or proposal id argument: a positive whole number. */
export const modelIdOf = (value: string) => BigInt(parseIntegerOption('model id', value, 1, Number.MAX_SAFE_INTEGER))
export function proposalIdOf(value: string): bigint {
  if (!/^\d{1,78}$/.test(value) || BigInt(value) === 0n || BigInt(value) >= 2n ** 256n) {
    throw usageError(
      `proposal id must be the decimal number \`mycel model govern show\` prints, got ${JSON.stringify(value)}.`,
    )
  }
  return BigInt(value)
}

/** `myc`, `tusd` (devnet) or a token address. */
export function tokenAddress(flag: string, token: string, addresses: MycelAddresses): Address {
  const alias = token.toLowerCase()
  if (alias === 'myc') return addresses.mycelToken
  if (alias === 'tusd') {
    if (!addresses.testUsd) throw usageError(`${flag} tusd exists only on the devnet; give a token address instead.`)
    return addresses.testUsd
  }
  if (!isAddress(token)) throw usageError(`${flag} ${JSON.stringify(token)} is not myc, tusd or a token address.`)
  return token
}

/**
 * Reads a terms file (JSON, fields as in docs/models-market.md) and checks it with the SDK's terms parser; the
 * currency may be written `tusd` or `myc`. Every mistake is a usage error naming the file and the field.
 */
export function readTermsFile(path: string, addresses: MycelAddresses): LicenseTerms {
  if (!existsSync(path) || !statSync(path).isFile()) throw usageError(`--license ${path}: no such file.`)
  let parsed: unknown
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw usageError(`--license ${path} is not valid JSON: ${(error as Error).message}.`)
  }
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) {
    const record = parsed as Record<string, unknown>
    if (typeof record.currency === 'string' && /^(tusd|myc)$/i.test(record.currency)) {
      record.currency = tokenAddress('currency', record.currency, addresses)
    }
  }
  try {
    return parseLicenseTerms(parsed)
  } catch (error) {
    if (error instanceof InvalidTermsError) throw usageError(`--license ${path}: ${error.shortMessage}`)
    throw error
  }
}

/** `onnx` / `gguf` from a file name, else undefined. */
export function formatOfFile(path: string): string | undefined {
  const ext = extname(path).slice(1).toLowerCase()
  return ext === 'onnx' || ext === 'gguf' ? ext : undefined
}

/**
 * A CID for `target`: an existing file is added to this data dir's content store (CIDv1 with raw leaves, as the node
 * stores models) and pinned; anything else must parse as a CID.
 */
export async function cidOf(
  globals: GlobalFlags,
  flag: string,
  target: string,
): Promise<{ cid: string; added: boolean; size?: number }> {
  if (existsSync(target) && statSync(target).isFile()) {
    const store = createContentStore(nodeOptions(globals).dataDir)
    try {
      const added = await store.add(target, { cidVersion: 1, pin: true })
      return { cid: added.cid, added: true, size: added.size }
    } finally {
      store.close()
    }
  }
  try {
    return { cid: parseContentCid(target).toString(), added: false }
  } catch {
    throw usageError(`${flag} ${JSON.stringify(target)} is neither a file nor a CID.`)
  }
}

/** A model card (JSON) added to the content store when `--card` is not given. */
export async function defaultCard(
  globals: GlobalFlags,
  card: { name: string; format: string; weights: string; parents: string[] },
): Promise<string> {
  const store = createContentStore(nodeOptions(globals).dataDir)
  try {
    const bytes = new TextEncoder().encode(`${JSON.stringify({ schema: 'mycel-model-card/1', ...card }, null, 2)}\n`)
    const added = await store.addBytes(bytes, { cidVersion: 1, pin: true })
    return added.cid
  } finally {
    store.close()
  }
}

export const nameOf = (path: string) => basename(path).replace(/\.[^.]+$/, '')

/** The model, or a readable error for an unknown id (the registry's ModelRegistryUnknownModel sentence). */
export function readModel(ctx: ChainContext, addresses: MycelAddresses, modelId: bigint): Promise<Model> {
  return getModel(ctx.client, { modelRegistry: addresses.modelRegistry, modelId })
}

/**
 * The governance of a fractionalized model: its timelock owns the model NFT, and the timelock's only proposer is the
 * governor (read from the timelock's RoleGranted/RoleRevoked events), whose wiring getModelGovernance verifies.
 */
export async function governanceOf(
  ctx: ChainContext,
  addresses: MycelAddresses,
  model: Model,
): Promise<ModelGovernance> {
  const vault = await ctx.client.readContract({
    address: addresses.modelRegistry,
    abi: modelRegistryAbi,
    functionName: 'vaultOf',
    args: [model.modelId],
  })
  if (vault === zeroAddress) {
    throw usageError(
      `Model ${model.modelId} is not fractionalized: its owner ${model.owner} decides its terms. Fractionalize it with \`mycel model fractionalize ${model.modelId} --supply <n> --symbol <S>\`.`,
    )
  }
  const timelock = model.owner
  const logs = await getLogs(ctx.client, {
    address: timelock,
    events: modelGovernorTimelockAbi.filter(
      (item) => item.type === 'event' && (item.name === 'RoleGranted' || item.name === 'RoleRevoked'),
    ) as never,
    fromBlock: 0n,
  })
  const events = logs.map((log) => {
    const args = (log as unknown as { args: { role: Hex; account: Address }; eventName: string }).args
    return {
      role: args.role,
      account: args.account,
      granted: (log as { eventName?: string }).eventName === 'RoleGranted',
    }
  })
  const proposers = [...(roleMembers(events).get(PROPOSER_ROLE.toLowerCase() as Hex) ?? [])]
  const [governor] = proposers
  if (proposers.length !== 1 || !governor) {
    throw usageError(
      `Model ${model.modelId}'s timelock ${timelock} has ${proposers.length} proposers, not one governor: its governance is not the one mycel deploys.`,
    )
  }
  return getModelGovernance(ctx.client, { governor, modelId: model.modelId })
}

export type ProposalRecord = {
  proposalId: bigint
  proposer: Address
  actions: ProposalAction[]
  description: string
  voteStart: bigint
  voteEnd: bigint
}

/** Every proposal made to `governor`, from its ProposalCreated events (queue and execute need the actions back). */
export async function proposalsOf(client: Client, governor: Address): Promise<ProposalRecord[]> {
  const logs = await getLogs(client, {
    address: governor,
    event: modelGovernorAbi.find((item) => item.type === 'event' && item.name === 'ProposalCreated') as never,
    fromBlock: 0n,
  })
  return logs.map((log) => {
    const a = (log as unknown as { args: Record<string, unknown> }).args as {
      proposalId: bigint
      proposer: Address
      targets: Address[]
      values: bigint[]
      calldatas: Hex[]
      voteStart: bigint
      voteEnd: bigint
      description: string
    }
    return {
      proposalId: a.proposalId,
      proposer: a.proposer,
      actions: a.targets.map((target, i) => ({ target, value: a.values[i] ?? 0n, data: a.calldatas[i] ?? '0x' })),
      description: a.description,
      voteStart: a.voteStart,
      voteEnd: a.voteEnd,
    }
  })
}

/** The proposal `proposalId` of `governor`, or a usage error saying how to list them. */
export async function proposalOf(
  client: Client,
  governor: Address,
  modelId: bigint,
  proposalId: bigint,
): Promise<ProposalRecord> {
  const found = (await proposalsOf(client, governor)).find((p) => p.proposalId === proposalId)
  if (!found) {
    throw usageError(
      `Model ${modelId} has no proposal ${proposalId}: list its proposals with \`mycel model govern show ${modelId}\`.`,
    )
  }
  return found
}

/** The model and its verified governance, refusing an unsound one (a buyer of shares must not vote into a trap). */
export async function governed(ctx: ChainContext, id: string) {
  const addresses = contractsOn(ctx)
  const model = await readModel(ctx, addresses, modelIdOf(id))
  const governance = await governanceOf(ctx, addresses, model)
  if (!governance.sound) {
    throw usageError(`Model ${model.modelId}'s governance fails verification: ${governance.problems.join('; ')}`)
  }
  return { addresses, model, governance }
}

/** `--token` or the model's currency. */
export async function royaltyToken(ctx: ChainContext, token: string | undefined, currency: Address | undefined) {
  const addresses = contractsOn(ctx)
  const address = token
    ? tokenAddress('--token', token, addresses)
    : (currency ??
      (() => {
        throw usageError('The model has no terms (no currency): give --token.')
      })())
  const { decimals, symbol } = await getTokenInfo(ctx.client, { token: address })
  return { address, decimals, symbol }
}
