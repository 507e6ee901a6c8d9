/**
 * Attacks on the data market and the provenance anchors (contracts/test/attacks.data.md): each test plays an attacker
 * who reads the contracts — or the key-release code of a provider node — and calls anything in any order. Findings
 * are numbered as in attacks.data.md; a test here failed against the code before its fix.
 */
import { createECDH, randomBytes } from 'node:crypto'
import { createAddressFromString } from '@ethereumjs/util'
import {
  dataRequestBody,
  dataRequestDomain,
  grantKindIndex,
  provenanceAnchorsAbi,
  provenanceAnchorsBytecode,
  signDataRequest,
} from '@mycel/sdk'
import {
  type Address,
  bytesToHex,
  createClient,
  custom,
  decodeErrorResult,
  encodeDeployData,
  getAddress,
  type Hex,
  hexToBytes,
  keccak256,
  stringToHex,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { beforeEach, describe, expect, it } from 'vitest'
import { unwrapKey, wrapKey } from '../../packages/node/src/data/encryption.ts'
import { openDatabase } from '../../packages/node/src/db/database.ts'
import { putDatasetKey, putDatasetRegistration, vaultMigrations } from '../../packages/node/src/db/stores/vault.ts'
import { releaseKey } from '../../packages/node/src/vault/release.ts'
import { type DataMarket, deployData, listing } from './helpers/data.ts'
import { testContract } from './helpers/testContracts.ts'

const owner = getAddress('0x00000000000000000000000000000000000000a1')
const buyer = getAddress('0x00000000000000000000000000000000000000b1')
const stranger = getAddress('0x00000000000000000000000000000000000000d1')
const chainId = 31_337

/** A viem client whose eth_call runs on the in-process EVM (what the node's key release reads through). */
const evmClient = (d: DataMarket) =>
  createClient({
    transport: custom({
      async request({ method, params }) {
        if (method === 'eth_chainId') return `0x${chainId.toString(16)}`
        if (method !== 'eth_call') throw new Error(`unsupported ${method}`)
        const [{ to, data, from }] = params as [{ to: Address; data: Hex; from?: Address }]
        const r = await d.chain.evm.runCall({
          caller: createAddressFromString(from ?? stranger),
          to: createAddressFromString(to),
          data: hexToBytes(data),
          gasLimit: 30_000_000n,
          block: {
            header: {
              number: d.chain.block,
              coinbase: createAddressFromString('0x0000000000000000000000000000000000000000'),
              timestamp: d.chain.now,
              difficulty: 0n,
              prevRandao: new Uint8Array(32),
              gasLimit: 30_000_000n,
              baseFeePerGas: undefined,
              getBlobGasPrice: () => undefined,
            },
          } as never,
          skipBalance: true,
        })
        const returned = bytesToHex(r.execResult.returnValue)
        if (r.execResult.exceptionError)
          throw Object.assign(new Error('execution reverted'), { code: 3, data: returned })
        return returned
      },
    }),
  })

/**
 * A provider node's vault holding the key of a dataset sealed under `cid` and registered from it as `datasetId`
 * (what `mycel dataset add` records), and its key release.
 */
function providerVault(d: DataMarket, cid: string, datasetId: bigint) {
  const vaultKey = bytesToHex(randomBytes(32))
  const ecdh = createECDH('secp256k1')
  ecdh.setPrivateKey(hexToBytes(vaultKey))
  const vaultPublicKey = `0x${ecdh.getPublicKey('hex')}` as Hex
  const db = openDatabase(':memory:', vaultMigrations)
  const datasetKey = randomBytes(32)
  putDatasetKey(db, {
    cid,
    wrappedKey: wrapKey(vaultPublicKey, datasetKey),
    name: 'victim',
    format: 'jsonl',
    recordCount: 100,
    recordsRoot: `0x${'ab'.repeat(32)}`,
    schemaCid: 'bafkreischema',
  })
  putDatasetRegistration(db, { chainId, registry: d.registry.toString(), datasetId: datasetId.toString(), cid })
  const ctx = {
    client: evmClient(d),
    chainId,
    addresses: {
      accessGrants: d.grants.toString() as Address,
      datasetRegistry: d.registry.toString() as Address,
    },
    db,
    vaultKey,
    now: () => Number(d.chain.now) * 1000,
  }
  /** A key request for `grantId` signed by `privateKey`, posted to this node. */
  const request = async (privateKey: Hex, grantId: bigint) => {
    const issuedAt = Number(d.chain.now)
    const signature = await signDataRequest(
      privateKeyToAccount(privateKey),
      dataRequestDomain(chainId, ctx.addresses.accessGrants),
      {
        grantId,
        action: 'key',
        body: dataRequestBody(''),
        issuedAt: BigInt(issuedAt),
      },
    )
    return releaseKey(ctx, { grantId: grantId.toString(), issuedAt, signature })
  }
  return { db, ctx, datasetKey, request }
}

describe('D1: a copy of a listing gets the key of the original dataset from its provider', () => {
  let d: DataMarket
  beforeEach(async () => {
    d = await deployData()
  })

  it('refuses a grant on another dataset that names the same sealed CID', async () => {
    const victimId = await d.register(owner, { listing: { cid: 'bafkreivictim' } })
    const vault = providerVault(d, 'bafkreivictim', victimId)
    // The attacker re-registers the victim's public listing (CID, schema, root, count: all on chain) as its own
    // dataset and gives itself a free access grant: no payment, no grant on the victim's dataset.
    const attackerKey = bytesToHex(randomBytes(32))
    const attacker = privateKeyToAccount(attackerKey).address
    const copy = (await d.r(stranger, 'getDataset', [victimId])) as Record<string, unknown>
    const copyId = await d.register(attacker, {
      listing: {
        cid: copy.cid,
        schemaCid: copy.schemaCid,
        recordsRoot: copy.recordsRoot,
        recordCount: copy.recordCount,
        provider: copy.provider,
      },
    })
    expect(copyId).not.toBe(victimId)
    const grantId = (await d.g(attacker, 'issue', [copyId, grantKindIndex('access'), attacker, [], 0, 0n])) as bigint
    let released: Awaited<ReturnType<typeof vault.request>> | undefined
    try {
      released = await vault.request(attackerKey, grantId)
    } catch (error) {
      expect((error as { code?: string }).code).toBe('KEY_NOT_HELD')
    }
    if (released) {
      // Before the fix: the victim's node wrapped the victim's key to the attacker.
      const key = unwrapKey(attackerKey, hexToBytes(released.wrappedKey))
      expect(bytesToHex(key), 'the victim dataset key was released to a grant on a copy').not.toBe(
        bytesToHex(vault.datasetKey),
      )
    }
    expect(released).toBeUndefined()
  })
})

describe('D2: front-running an anchor', () => {
  it('a root anchored first by someone else does not keep its signer from anchoring it', async () => {
    const d = await deployData()
    const anchors = await d.chain.deploy(
      encodeDeployData({ abi: provenanceAnchorsAbi, bytecode: provenanceAnchorsBytecode }),
    )
    const miner = getAddress('0x00000000000000000000000000000000000000e1')
    const griefer = getAddress('0x00000000000000000000000000000000000000e2')
    const root = keccak256(stringToHex('receipts of batch 1'))
    // The griefer copies the miner's pending transaction and lands first.
    await d.must(griefer, anchors, provenanceAnchorsAbi, 'anchor', [root, 100, 'bafkreibatch'])
    d.chain.now += 12n
    const mine = await d.chain.call(miner, anchors, provenanceAnchorsAbi, 'anchor', [root, 100, 'bafkreibatch'])
    expect(mine.ok, "the signer's own anchor must not be refused").toBe(true)
    expect(await d.must(stranger, anchors, provenanceAnchorsAbi, 'isAnchoredBy', [root, miner])).toBe(true)
    expect(await d.must(stranger, anchors, provenanceAnchorsAbi, 'isAnchoredBy', [root, griefer])).toBe(true)
    // Each anchorer keeps its own time: the griefer's earlier anchor is not the miner's.
    const anchorOf = (who: Address) => d.must(stranger, anchors, provenanceAnchorsAbi, 'anchorOf', [root, who])
    expect(await anchorOf(miner)).toEqual({ anchorer: miner, time: d.chain.now, count: 100 })
    expect(await anchorOf(griefer)).toEqual({ anchorer: griefer, time: d.chain.now - 12n, count: 100 })
    // A signer still anchors a root only once.
    const again = await d.chain.call(miner, anchors, provenanceAnchorsAbi, 'anchor', [root, 100, 'bafkreibatch'])
    expect(again.ok).toBe(false)
    expect(decodeErrorResult({ abi: provenanceAnchorsAbi, data: again.revertData }).errorName).toBe(
      'ProvenanceAnchorsAlreadyAnchored',
    )
  })
})

describe('sanity', () => {
  it('a real access grant still gets its key', async () => {
    const d = await deployData()
    const id = await d.register(owner, { listing: listing({ cid: 'bafkreivictim' }) })
    const vault = providerVault(d, 'bafkreivictim', id)
    const granteeKey = bytesToHex(randomBytes(32))
    const grantee = privateKeyToAccount(granteeKey).address
    await d.mint(buyer, 10_000n)
    const grantId = await d.buy(buyer, id, 'access', { grantee })
    const released = await vault.request(granteeKey, grantId)
    expect(bytesToHex(unwrapKey(granteeKey, hexToBytes(released.wrappedKey)))).toBe(bytesToHex(vault.datasetKey))
  })
})

describe('checked and safe (regressions)', () => {
  const erc20 = [
    {
      type: 'function',
      name: 'approve',
      stateMutability: 'nonpayable',
      inputs: [
        { name: 'spender', type: 'address' },
        { name: 'amount', type: 'uint256' },
      ],
      outputs: [{ type: 'bool' }],
    },
    {
      type: 'function',
      name: 'balanceOf',
      stateMutability: 'view',
      inputs: [{ name: 'who', type: 'address' }],
      outputs: [{ type: 'uint256' }],
    },
  ] as const

  it('D6: a fee-on-transfer currency is refused, nothing credited', async () => {
    const d = await deployData()
    const fee = testContract('FeeOnTransferToken')
    const token = await d.chain.deploy(
      encodeDeployData({ abi: fee.abi, bytecode: fee.bytecode, args: [buyer, 10n ** 24n] }),
    )
    await d.must(buyer, token, erc20 as never, 'approve', [d.grants.toString(), 10n ** 24n])
    const id = await d.register(owner, { terms: { currency: token.toString() as Address } })
    const agreed = await d.r(buyer, 'termsHash', [id])
    expect(await d.gFails(buyer, 'buy', [id, grantKindIndex('access'), buyer, [], 0, agreed])).toBe(
      'AccessGrantsTransferShort',
    )
    expect(await d.g(stranger, 'owed', [token.toString(), owner])).toBe(0n)
    expect(await d.g(stranger, 'grantCount')).toBe(0n)
  })

  it('D5: a currency re-entering withdraw while paid gets its credit once', async () => {
    const d = await deployData()
    const hostile = testContract('ReentrantRoyaltyToken')
    const token = await d.chain.deploy(
      encodeDeployData({ abi: hostile.abi, bytecode: hostile.bytecode, args: [buyer, 10n ** 24n] }),
    )
    const tokenAddress = token.toString() as Address
    await d.must(buyer, token, erc20 as never, 'approve', [d.grants.toString(), 10n ** 24n])
    // The token is a contributor of a dataset sold in itself, and an honest owner is paid in it too.
    const id = await d.register(owner, {
      terms: { currency: tokenAddress, accessPrice: 1_000n },
      contributors: [{ payee: tokenAddress, bps: 5_000 }],
    })
    await d.buy(buyer, id, 'access')
    await d.buy(buyer, id, 'access')
    expect(await d.g(stranger, 'owed', [tokenAddress, tokenAddress])).toBe(1_000n)
    await d.must(stranger, token, hostile.abi, 'attack', [d.grants.toString()])
    expect(await d.must(stranger, token, hostile.abi, 'reentered')).toBe(false)
    expect(await d.must(stranger, token, hostile.abi, 'reentryError'), 'the re-entry was tried').not.toBe('0x')
    const balance = (who: string) => d.must(stranger, token, erc20 as never, 'balanceOf', [who]) as Promise<bigint>
    expect(await balance(tokenAddress)).toBe(1_000n)
    expect(await balance(d.grants.toString())).toBe(1_000n)
    expect(await d.g(owner, 'withdraw', [tokenAddress])).toBe(1_000n)
    expect(await balance(d.grants.toString())).toBe(0n)
  })

  it('D7: a price × count at the type limits neither overflows nor truncates what the grant records', async () => {
    const d = await deployData()
    const max96 = 2n ** 96n - 1n
    const id = await d.register(owner, { terms: { queryPrice: max96, recordPrice: max96 } })
    const terms = await d.r(stranger, 'termsOf', [id])
    expect(await d.g(stranger, 'priceOf', [terms, grantKindIndex('queries'), 0n, 2n ** 32n - 1n])).toBe(
      max96 * (2n ** 32n - 1n),
    )
    await d.mint(buyer, 2n ** 130n)
    const grantId = await d.buy(buyer, id, 'queries', { queries: 2 ** 32 - 1 })
    const grant = (await d.g(stranger, 'getGrant', [grantId])) as { price: bigint }
    expect(grant.price).toBe(max96 * (2n ** 32n - 1n))
    expect(await d.owed(owner)).toBe(max96 * (2n ** 32n - 1n))
  })
})
