/**
 * Provenance and the data market's hot paths (issue #16), on a real anvil chain with the deployed contracts, every
 * figure and its baseline in one run:
 * - anchoring: gas per receipt of `ProvenanceAnchors.anchor` for a batch of 100 receipts (the receipt's `gasUsed`,
 *   intrinsic gas included), against one real EAS `attest` per output under a receipt-shaped schema. Targets: ≤ 500
 *   gas per receipt, ≥ 360× cheaper than an attestation each.
 * - off-chain verification: receipts verified per second on one core — signature recovered and Merkle proof checked
 *   (the node's codec). Target ≥ 5,000/s.
 * - signing: p50 of what a paid request pays for its receipt — SHA-256 of request and output, the signature, and the
 *   SQLite insert before the answer leaves. Target ≤ 0.2 ms.
 * - key release: p50 of `POST /api/data/keys` handling (signature recovery, the grant and dataset read on chain, the
 *   unwrap and the wrap to the grantee) once the grant is on chain. Target ≤ 50 ms.
 * - encryption: AES-256-GCM sealing of a 100 MB dataset streamed in 1 MiB chunks, MB/s (and, for the record, into
 *   one buffer). Target ≥ 300 MB/s.
 * Writes bench/results/provenance.json, exits 1 when a target is missed (figures are still written).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  buyGrant,
  dataRequestBody,
  dataRequestDomain,
  easAbi,
  provenanceAnchorsAbi,
  receiptDomain,
  schemaRegistryAbi,
  signDataRequest,
  writeContractAndWait,
} from '@mycel/sdk'
import { SimpleMerkleTree } from '@openzeppelin/merkle-tree'
import { encodeAbiParameters, type Hex, hexToBytes, parseAbiParameters, zeroAddress, zeroHash } from 'viem'
import { createContentStore } from '../packages/node/src/content/contentStore.ts'
import {
  chunksOf,
  encryptDataset,
  newDatasetKey,
  SEAL_OVERHEAD,
  sealChunks,
} from '../packages/node/src/data/encryption.ts'
import { migrations, openDatabase } from '../packages/node/src/db/database.ts'
import { createProvenanceStore } from '../packages/node/src/db/stores/provenance.ts'
import { devnetAccount, devnetPrivateKey } from '../packages/node/src/devnet/accounts.ts'
import { createReceiptCodec, sha256Hex } from '../packages/node/src/provenance/receiptCodec.ts'
import { releaseKey } from '../packages/node/src/vault/release.ts'
import { openVault, registerSealed, sealDataset } from '../packages/node/src/vault/vault.ts'
import { startGasBench } from './chainGas.ts'

const BATCH = 100
const p50 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

const { chain, addresses, gasOf } = await startGasBench([1, 2], 1_000n)
const dir = mkdtempSync(join(tmpdir(), 'mycel-bench-provenance-'))
try {
  const miner = chain.wallet(1)
  const codec = createReceiptCodec(receiptDomain(31337, addresses.provenanceAnchors))
  const key = hexToBytes(devnetPrivateKey(1))
  const minerAddress = devnetAccount(1).address
  if (minerAddress.toLowerCase() !== miner.account.address.toLowerCase()) throw new Error('bench accounts differ')

  // Receipts of 100 answers, their batch, and its anchor.
  const receipts = Array.from({ length: BATCH }, (_, i) =>
    codec.sign(
      {
        kind: 'ai',
        model: 'bafkreigk2reqqkxnlnjwkwzdwekmk3emlwihl66sbxkpbw4chro6s4u2i4',
        request: sha256Hex(`request ${i}`),
        output: sha256Hex(`output ${i}`),
        time: 1_800_000_000n + BigInt(i),
        signer: minerAddress,
      },
      key,
    ),
  )
  const digests = receipts.map((r) => codec.digest(r))
  const tree = SimpleMerkleTree.of(digests)
  const anchorTx = await writeContractAndWait(miner, {
    address: addresses.provenanceAnchors,
    abi: provenanceAnchorsAbi,
    functionName: 'anchor',
    args: [tree.root as Hex, BATCH, 'bafkreidvdzxyya7kbkksyh5dwpqpg4xvtnurljbkoj2zqnmpx7jbqv6o4a'],
  })
  const anchorGas = await gasOf(anchorTx.hash)
  const perReceipt = Number(anchorGas) / BATCH

  // The baseline: one EAS attestation per output, under a schema shaped like a receipt.
  const schema = 'bytes32 output,bytes32 request,string model,uint64 time'
  await writeContractAndWait(chain.wallet(0), {
    address: addresses.schemaRegistry,
    abi: schemaRegistryAbi,
    functionName: 'register',
    args: [schema, zeroAddress, true],
  })
  const { keccak256, encodePacked } = await import('viem')
  const uid = keccak256(encodePacked(['string', 'address', 'bool'], [schema, zeroAddress, true]))
  const first = receipts[0] as (typeof receipts)[number]
  const attestTx = await writeContractAndWait(miner, {
    address: addresses.eas,
    abi: easAbi,
    functionName: 'attest',
    args: [
      {
        schema: uid,
        data: {
          recipient: zeroAddress,
          expirationTime: 0n,
          revocable: true,
          refUID: zeroHash,
          data: encodeAbiParameters(parseAbiParameters(schema), [first.output, first.request, first.model, first.time]),
          value: 0n,
        },
      },
    ],
  })
  const attestGas = await gasOf(attestTx.hash)
  const cheaper = Number(attestGas) / perReceipt

  // Off-chain verification, one core: signature and proof of each receipt.
  const proofs = digests.map((d) => tree.getProof(d) as Hex[])
  const root = tree.root as Hex
  let verified = 0
  const verifyStart = performance.now()
  while (performance.now() - verifyStart < 2000) {
    for (let i = 0; i < BATCH; i++) {
      const r = receipts[i] as (typeof receipts)[number]
      if (
        codec.recover(r) !== minerAddress.toLowerCase() ||
        !codec.verifyProof(root, digests[i] as Hex, proofs[i] as Hex[])
      )
        throw new Error('a receipt did not verify')
      verified++
    }
  }
  const perSecond = verified / ((performance.now() - verifyStart) / 1000)

  // Signing on the request path: hashes, signature, and the insert that precedes the answer.
  const db = openDatabase(join(dir, 'node.db'), migrations)
  const store = createProvenanceStore(db)
  const request = Buffer.from(JSON.stringify({ model: 'text', messages: [{ role: 'user', content: 'To be' }] }))
  const signTimes: number[] = []
  for (let i = 0; i < 3000; i++) {
    const output = `an answer of some forty tokens or so, number ${i}`
    const t = performance.now()
    const receipt = {
      kind: 'ai' as const,
      model: first.model,
      request: sha256Hex(request),
      output: sha256Hex(output),
      time: BigInt(i),
      signer: minerAddress,
    }
    const signed = codec.sign(receipt, key)
    store.put(codec.digest(receipt), signed)
    signTimes.push(performance.now() - t)
  }
  db.close()
  const signP50 = p50(signTimes.slice(500))

  // Key release, once the grant is on chain.
  const vault = await openVault(dir)
  const content = createContentStore(dir)
  const sealed = await sealDataset(vault, content, {
    bytes: Buffer.from(Array.from({ length: 1000 }, (_, i) => JSON.stringify({ n: i })).join('\n')),
    name: 'bench',
  })
  const owner = chain.wallet(2)
  const { datasetId } = await registerSealed(vault, owner, {
    chainId: 31337,
    datasetRegistry: addresses.datasetRegistry,
    sealed,
    license: 'CC0-1.0',
    provider: 'http://127.0.0.1:1',
    terms: {
      currency: addresses.testUsd as Hex,
      offers: ['access'],
      grantDuration: 0,
      accessPrice: 1n,
      trainingPrice: 0n,
      recordPrice: 0n,
      queryPrice: 0n,
    },
  })
  const { grantId } = await buyGrant(miner, {
    datasetRegistry: addresses.datasetRegistry,
    accessGrants: addresses.accessGrants,
    datasetId,
    kind: 'access',
  })
  const releaseTimes: number[] = []
  for (let i = 0; i < 60; i++) {
    const issuedAt = Math.floor(Date.now() / 1000)
    const signature = await signDataRequest(devnetAccount(1), dataRequestDomain(31337, addresses.accessGrants), {
      grantId,
      action: 'key',
      body: dataRequestBody(''),
      issuedAt: BigInt(issuedAt),
    })
    const t = performance.now()
    await releaseKey(
      { client: chain.publicClient, chainId: 31337, addresses, db: vault.db, vaultKey: vault.privateKey },
      { grantId: grantId.toString(), issuedAt, signature },
    )
    releaseTimes.push(performance.now() - t)
  }
  content.close()
  vault.close()
  const releaseP50 = p50(releaseTimes.slice(10))

  // Sealing 100 MB: streamed in 1 MiB chunks to a consumer (as a dataset goes to the content store), and, for the
  // record, sealed into one buffer (which adds allocating and copying a second 100 MB).
  const big = Buffer.alloc(100 * 1024 * 1024)
  for (let i = 0; i < big.length; i += 4096) big.writeUInt32LE(i, i)
  const dataKey = newDatasetKey()
  encryptDataset(big.subarray(0, 1024 * 1024), dataKey)
  let sealedBytes = 0
  const sealStart = performance.now()
  for (const chunk of sealChunks(chunksOf(big), dataKey)) sealedBytes += chunk.length
  const mbPerSecond = 100 / ((performance.now() - sealStart) / 1000)
  if (sealedBytes !== big.length + SEAL_OVERHEAD) throw new Error('sealed size is off')
  const oneBufferStart = performance.now()
  encryptDataset(big, dataKey)
  const oneBufferMBps = 100 / ((performance.now() - oneBufferStart) / 1000)

  const targets = [
    { name: 'anchoring gas per receipt at a batch of 100 (≤ 500)', value: perReceipt, met: perReceipt <= 500 },
    { name: 'cheaper than one EAS attest per output (≥ 360×)', value: cheaper, met: cheaper >= 360 },
    { name: 'receipts verified per second, one core (≥ 5,000)', value: perSecond, met: perSecond >= 5000 },
    { name: 'receipt signing on a paid request, p50 ms (≤ 0.2)', value: signP50, met: signP50 <= 0.2 },
    { name: 'key release p50 ms (≤ 50)', value: releaseP50, met: releaseP50 <= 50 },
    { name: 'AES-256-GCM sealing of 100 MB, MB/s (≥ 300)', value: mbPerSecond, met: mbPerSecond >= 300 },
  ]
  const figures = {
    anchorGas: Number(anchorGas),
    batch: BATCH,
    easAttestGas: Number(attestGas),
    verifiedPerSecond: Math.round(perSecond),
    signP50Ms: signP50,
    releaseP50Ms: releaseP50,
    sealMBps: Math.round(mbPerSecond),
    sealIntoOneBufferMBps: Math.round(oneBufferMBps),
    nativeCrypto: codec.native,
  }
  console.log(figures)
  for (const t of targets)
    console.log(
      `target: ${t.name}: ${t.value.toLocaleString('en', { maximumFractionDigits: 3 })} ${t.met ? 'met' : 'MISSED'}`,
    )
  mkdirSync(join(import.meta.dirname, 'results'), { recursive: true })
  writeFileSync(
    join(import.meta.dirname, 'results', 'provenance.json'),
    `${JSON.stringify({ date: new Date().toISOString(), figures, targets }, null, 2)}\n`,
  )
  process.exitCode = targets.every((t) => t.met) ? 0 : 1
} finally {
  await chain.stop()
  rmSync(dir, { recursive: true, force: true })
}
