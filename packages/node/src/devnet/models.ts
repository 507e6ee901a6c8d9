/**
 * The devnet's model market (what `npm start` shows; docs/models-market-node-api.md): `digits` (id 1) and `text`
 * (id 2) registered by the treasury with terms in tUSD, the derivative `digits-1000` (id 3, the demo's best graded
 * digits miner's model, registered by that miner, account 4, with `digits` as parent), licenses for the node's
 * default miner (account 2: digits and text), and `text` fractionalized into 1,000,000 TXT shares held by the
 * treasury (50 %) and accounts 1, 2, 3 (20/20/10 %), all self-delegated.
 *
 * Idempotent like the rest of seeding: every step checks the chain first (model count, licenses, the vault, share
 * balances, delegates), so a restart sends nothing and a first start interrupted halfway is completed by the next.
 * Transactions without a dependency are sent back to back with their nonces numbered here (one receipt wait for
 * all); a dependent one is sent after what it needs (anvil mines each transaction as it arrives).
 */
import { readFileSync } from 'node:fs'
import { builtinModels } from '@mycel/models'
import {
  DEVNET_GOVERNANCE,
  fractionalizeModel,
  type LicenseTerms,
  licensesAbi,
  type MycelAddresses,
  modelRegistryAbi,
  royaltyVaultAbi,
  testUsdAbi,
  toContractTerms,
  type WriteClient,
} from '@mycel/sdk'
import { type Abi, type Address, createWalletClient, http, maxUint256, parseEther, zeroAddress } from 'viem'
import { readContract } from 'viem/actions'
import type { ContentStore } from '../content/contentStore.ts'
import { encodeModelCard, type ModelCard } from '../markets/cards.ts'
import { devnetAccount } from './accounts.ts'
import { type Call, sendInSequence } from './send.ts'

const TUSD = 1_000_000n // 6 decimals
export const TEXT_SHARES = parseEther('1000000')
/** Share holders of `text` besides the treasury (devnet account → share of the supply in %). */
export const TEXT_HOLDERS = [
  { account: 1, percent: 20n },
  { account: 2, percent: 20n },
  { account: 3, percent: 10n },
] as const
/** The node's miner on the devnet by default (`minerKey` dev:2) and the models it serves. */
export const DEFAULT_MINER_ACCOUNT = 2
/** The account registering (and serving) the derivative `digits-1000` (the demo's best graded miner). */
export const DERIVATIVE_ACCOUNT = 4

type SeedModel = { card: ModelCard; bytes: () => Promise<Uint8Array>; parents: bigint[]; owner: number }

/** The devnet's models in registration order (ids 1, 2, 3); `terms(currency)` are their license terms. */
export const DEVNET_MODELS: (SeedModel & { terms: (currency: Address) => LicenseTerms })[] = [
  {
    card: {
      name: 'digits',
      task: 'image-classification',
      format: 'onnx',
      description: 'MNIST digit classifier (784-64-10 MLP).',
      metrics: { testAccuracy: 0.9187 },
    },
    bytes: async () => readFileSync(builtinModels.digits),
    parents: [],
    owner: 0,
    terms: (currency) => terms(currency, { royaltyBps: 1000, minPricePerRequest: 500n, mintFee: 5n * TUSD }),
  },
  {
    card: {
      name: 'text',
      task: 'text-generation',
      format: 'onnx',
      description: 'Character-level language model (SpamAssassin ham).',
    },
    bytes: async () => readFileSync(builtinModels.text),
    parents: [],
    owner: 0,
    terms: (currency) => terms(currency, { royaltyBps: 500, minPricePerRequest: 100n, mintFee: 2n * TUSD }),
  },
  {
    card: {
      name: 'digits-1000',
      task: 'image-classification',
      format: 'onnx',
      description: 'digits, trained on 1,000 samples.',
    },
    bytes: async () => (await import('@mycel/models/graded')).gradedDigitsOnnx('digits-1000'),
    parents: [1n],
    owner: DERIVATIVE_ACCOUNT,
    terms: (currency) => terms(currency, { royaltyBps: 300, minPricePerRequest: 1_000n, mintFee: 1n * TUSD }),
  },
]

function terms(
  currency: Address,
  t: Pick<LicenseTerms, 'royaltyBps' | 'minPricePerRequest' | 'mintFee'>,
): LicenseTerms {
  return { commercialUse: true, derivativesAllowed: true, attribution: true, licenseDuration: 0n, currency, ...t }
}

/** Which devnet account must hold a license of which model id (the node's default miner's). */
export const DEVNET_LICENSES = [
  { account: DEFAULT_MINER_ACCOUNT, modelId: 1n },
  { account: DEFAULT_MINER_ACCOUNT, modelId: 2n },
] as const

/**
 * Seeds the model market; returns the model ids it registered (empty on a restart). The treasury's models go first
 * (back to back); then, at the same time, each derivative's registrant buys its parents' licenses and registers it,
 * the node's miner buys its licenses, and the treasury fractionalizes `text`.
 */
export async function seedModels(treasury: WriteClient, addresses: MycelAddresses, store: ContentStore) {
  const { modelRegistry, licenses, testUsd } = addresses
  if (!modelRegistry || !licenses || !testUsd) return { registered: [] as bigint[] }
  const count = await readContract(treasury, {
    address: modelRegistry,
    abi: modelRegistryAbi,
    functionName: 'modelCount',
  })
  const missing = DEVNET_MODELS.map((model, i) => ({ model, id: BigInt(i + 1) })).filter(({ id }) => id > count)
  const registrations = await Promise.all(
    missing.map(async ({ model, id }) => {
      const [weights, card] = await Promise.all([
        model.bytes().then((bytes) => store.addBytes(bytes)),
        store.addBytes(encodeModelCard(model.card)),
      ])
      const call: Call = {
        address: modelRegistry,
        abi: modelRegistryAbi as Abi,
        functionName: 'register',
        args: [weights.cid, card.cid, 'onnx', model.parents, toContractTerms(model.terms(testUsd))],
      }
      return { model, id, call }
    }),
  )
  // Ids follow registration order: the treasury's models (no parents) are registered before any derivative.
  await sendInSequence(
    treasury,
    registrations.filter((r) => r.model.owner === 0).map((r) => r.call),
  )
  const derivatives = registrations.filter((r) => r.model.owner !== 0)
  await Promise.all([
    ensureLicenses(
      treasury,
      addresses,
      [
        ...DEVNET_LICENSES,
        // A derivative's registrant holds a license of each parent (the contract checks).
        ...derivatives.flatMap((r) => r.model.parents.map((modelId) => ({ account: r.model.owner, modelId }))),
      ],
      derivatives.map((r) => ({ account: r.model.owner, call: r.call })),
    ),
    fractionalizeText(treasury, addresses),
  ])
  return { registered: registrations.map((r) => r.id) }
}

/**
 * Makes sure each `account` holds a valid license of `modelId`: approves tUSD to Licenses once (unlimited; test
 * money) and buys what is missing, one account's transactions back to back, accounts at the same time. `then` are
 * calls an account sends after its licenses, in the same sequence (a derivative's registration).
 */
export async function ensureLicenses(
  treasury: WriteClient,
  addresses: MycelAddresses,
  wanted: readonly { account: number; modelId: bigint }[],
  then: readonly { account: number; call: Call }[] = [],
) {
  const { licenses, testUsd, modelRegistry } = addresses
  if (!licenses || !testUsd || !modelRegistry) return
  // Only models that exist (a devnet started without seeding has none): buying another would revert.
  const count = await readContract(treasury, {
    address: modelRegistry,
    abi: modelRegistryAbi,
    functionName: 'modelCount',
  })
  wanted = wanted.filter((w) => w.modelId >= 1n && w.modelId <= count)
  const valid = await Promise.all(
    wanted.map(
      (w) =>
        readContract(treasury, {
          address: licenses,
          abi: licensesAbi,
          functionName: 'validLicense',
          args: [devnetAccount(w.account).address, w.modelId],
        }) as Promise<readonly [bigint, number]>,
    ),
  )
  const missing = wanted.filter((_, i) => (valid[i]?.[0] ?? 0n) === 0n)
  const accounts = new Set([...missing.map((m) => m.account), ...then.map((t) => t.account)])
  await Promise.all(
    [...accounts].map(async (account) => {
      const holder = devnetAccount(account).address
      const buys = [...new Set(missing.filter((x) => x.account === account).map((x) => x.modelId))]
      const [allowance, ...agreed] = await Promise.all([
        readContract(treasury, {
          address: testUsd,
          abi: testUsdAbi,
          functionName: 'allowance',
          args: [holder, licenses],
        }),
        ...buys.map((modelId) =>
          readContract(treasury, { address: licenses, abi: licensesAbi, functionName: 'termsHash', args: [modelId] }),
        ),
      ])
      const calls: Call[] = []
      if (buys.length > 0 && (allowance as bigint) < 1_000n * TUSD) {
        calls.push({ address: testUsd, abi: testUsdAbi as Abi, functionName: 'approve', args: [licenses, maxUint256] })
      }
      buys.forEach((modelId, i) => {
        calls.push({ address: licenses, abi: licensesAbi as Abi, functionName: 'buy', args: [modelId, agreed[i]] })
      })
      calls.push(...then.filter((t) => t.account === account).map((t) => t.call))
      await sendInSequence(walletLike(treasury, account), calls)
    }),
  )
}

/** Fractionalizes `text` (id 2) once, then hands out the holders' shares and self-delegates every holder. */
async function fractionalizeText(treasury: WriteClient, addresses: MycelAddresses) {
  const { modelRegistry, licenses, testUsd, paymentChannels } = addresses
  if (!modelRegistry || !licenses || !testUsd) return
  let vault = (await readContract(treasury, {
    address: modelRegistry,
    abi: modelRegistryAbi,
    functionName: 'vaultOf',
    args: [2n],
  })) as Address
  if (vault === zeroAddress) {
    ;({ vault } = await fractionalizeModel(treasury, {
      registry: modelRegistry,
      modelId: 2n,
      name: 'text shares',
      symbol: 'TXT',
      supply: TEXT_SHARES,
      tokens: [testUsd],
      sources: [paymentChannels, licenses],
      settings: DEVNET_GOVERNANCE,
    }))
  }
  const balance = (who: Address) =>
    readContract(treasury, { address: vault, abi: royaltyVaultAbi, functionName: 'balanceOf', args: [who] })
  if ((await balance(treasury.account.address)) === TEXT_SHARES) {
    await sendInSequence(
      treasury,
      TEXT_HOLDERS.map((h) => ({
        address: vault,
        abi: royaltyVaultAbi as Abi,
        functionName: 'transfer',
        args: [devnetAccount(h.account).address, (TEXT_SHARES * h.percent) / 100n],
      })),
    )
  }
  const holders = [0, ...TEXT_HOLDERS.map((h) => h.account)]
  const delegates = await Promise.all(
    holders.map((i) =>
      readContract(treasury, {
        address: vault,
        abi: royaltyVaultAbi,
        functionName: 'delegates',
        args: [devnetAccount(i).address],
      }),
    ),
  )
  const undelegated = holders.filter((_, k) => delegates[k] === zeroAddress)
  await Promise.all(
    undelegated.map((i) =>
      sendInSequence(i === 0 ? treasury : walletLike(treasury, i), [
        {
          address: vault,
          abi: royaltyVaultAbi as Abi,
          functionName: 'delegate',
          args: [devnetAccount(i).address],
        },
      ]),
    ),
  )
}

/** A wallet of devnet account `index` on the treasury wallet's chain and transport. */
function walletLike(treasury: WriteClient, index: number): WriteClient {
  const url = (treasury.transport as { url?: string }).url
  return createWalletClient({
    account: devnetAccount(index),
    chain: treasury.chain,
    transport: http(url),
  }) as WriteClient
}

/** The licenses the demo's graded miners need: each of a seeded model it serves (account 4: `digits-1000`). */
export function demoMinerLicenses(miners: readonly { account: number; model: string }[]) {
  return miners.flatMap((d) => {
    const index = DEVNET_MODELS.findIndex((m) => m.card.name === d.model)
    return index < 0 ? [] : [{ account: d.account, modelId: BigInt(index + 1) }]
  })
}
