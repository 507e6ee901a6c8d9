/**
 * The vault: what a data owner's node holds (docs/data.md). Datasets are sealed with a fresh AES-256-GCM key each
 * (data/encryption.ts); the sealed bytes go to the content store (anyone may fetch them: they are ciphertext), the
 * schema document beside them in plaintext, and the key — wrapped with ECIES to the node's vault key, itself kept in
 * a Web3 Secret Storage keystore — to `<dataDir>/vault/vault.db`; a personal vault also keeps each record sealed on its
 * own there, to serve records and answer queries one grant at a time (vault/serve.ts). The CLI adds datasets beside a
 * running node; the node releases keys (vault/release.ts).
 */
import { createECDH } from 'node:crypto'
import { join } from 'node:path'
import { type DatasetTerms, registerDataset, type WriteClient } from '@mycel/sdk'
import type { Address, Hex } from 'viem'
import type { ContentStore } from '../content/contentStore.ts'
import { encryptDataset, newDatasetKey, sealRecord, wrapKey } from '../data/encryption.ts'
import { type RecordLayout, readRecords, recordHash } from '../data/records.ts'
import { type DatasetSchema, inferDatasetSchema, layoutOf } from '../data/schema.ts'
import { type Db, openDatabase } from '../db/database.ts'
import { putDatasetKey, putDatasetRegistration, putVaultRecords, vaultMigrations } from '../db/stores/vault.ts'
import { loadNodeKey } from '../keys/nodeKey.ts'

export type Vault = {
  db: Db
  /** The vault key's private key (dataset keys at rest are wrapped to it). */
  privateKey: Hex
  /** Its uncompressed public key (0x04…). */
  publicKey: Hex
  close: () => void
}

/** Opens (creating) the vault of `dataDir`: its database and its key. */
export async function openVault(dataDir: string): Promise<Vault> {
  const { privateKey } = await loadNodeKey(dataDir, 'vault')
  const ecdh = createECDH('secp256k1')
  ecdh.setPrivateKey(Buffer.from(privateKey.slice(2), 'hex'))
  const db = openDatabase(join(dataDir, 'vault', 'vault.db'), vaultMigrations)
  return {
    db,
    privateKey,
    publicKey: `0x${ecdh.getPublicKey('hex')}`,
    close: () => db.close(),
  }
}

export type SealedDataset = {
  /** The sealed dataset's CID (what DatasetRegistry names). */
  cid: string
  schemaCid: string
  schema: DatasetSchema
  recordsRoot: Hex
  recordCount: number
  /** Bytes of the plaintext and of the sealed file. */
  size: number
  sealedSize: number
}

/**
 * Seals a dataset file and keeps it: checks its records against the schema's layout (or infers a schema), computes
 * the records root, encrypts under a fresh key, adds the sealed bytes and the schema to the content store and the
 * wrapped key to the vault.
 */
export async function sealDataset(
  vault: Vault,
  store: ContentStore,
  p: {
    bytes: Uint8Array
    name: string
    schema?: DatasetSchema
    layout?: RecordLayout
    label?: string
    classes?: number
    /** Also keep each record on its own (sealed), to serve records and queries from the vault. */
    keepRecords?: boolean
  },
): Promise<SealedDataset> {
  const layout = p.schema ? layoutOf(p.schema) : (p.layout ?? { format: 'jsonl' })
  const { records, count, root } = readRecords(p.bytes, layout)
  const schema =
    p.schema ??
    inferDatasetSchema(layout, records[0] as Uint8Array, {
      ...(p.label ? { label: p.label } : {}),
      ...(p.classes ? { classes: p.classes } : {}),
    })
  const key = newDatasetKey()
  const sealed = encryptDataset(p.bytes, key)
  const { cid } = await store.addBytes(sealed, { cidVersion: 1 })
  const { cid: schemaCid } = await store.addBytes(Buffer.from(`${JSON.stringify(schema, null, 2)}\n`), {
    cidVersion: 1,
  })
  putDatasetKey(vault.db, {
    cid,
    wrappedKey: wrapKey(vault.publicKey, key),
    name: p.name,
    format: schema.format,
    recordCount: count,
    recordsRoot: root,
    schemaCid,
  })
  if (p.keepRecords) {
    putVaultRecords(
      vault.db,
      cid,
      records.map((record, i) => ({ hash: recordHash(record), sealed: sealRecord(key, cid, i, record) })),
    )
  }
  key.fill(0)
  return {
    cid,
    schemaCid,
    schema,
    recordsRoot: root,
    recordCount: count,
    size: p.bytes.length,
    sealedSize: sealed.length,
  }
}

/**
 * Records that the sealed dataset `cid` was registered as `datasetId` (after the registration's transaction): the node
 * releases its key only for grants on a dataset recorded here, never for a copy of its listing registered by someone
 * else (contracts/test/attacks.data.md D1).
 */
export function recordRegistration(
  vault: Vault,
  p: { chainId: number; datasetRegistry: string; datasetId: bigint; cid: string },
): void {
  putDatasetRegistration(vault.db, {
    chainId: p.chainId,
    registry: p.datasetRegistry,
    datasetId: p.datasetId.toString(),
    cid: p.cid,
  })
}

/**
 * Registers a dataset sealed in this vault on chain, the signer of `wallet` its owner, and records the registration
 * here (so the node releases its key to grants on it): the listing is the sealed dataset's, with `license` and the
 * `provider` that serves it.
 */
export async function registerSealed(
  vault: Vault,
  wallet: WriteClient,
  p: {
    chainId: number
    datasetRegistry: Address
    sealed: SealedDataset
    license: string
    provider: string
    terms: DatasetTerms
    contributors?: { payee: Address; bps: number }[]
  },
): Promise<{ datasetId: bigint; hash: Hex }> {
  const { datasetId, hash } = await registerDataset(wallet, {
    datasetRegistry: p.datasetRegistry,
    listing: {
      cid: p.sealed.cid,
      schemaCid: p.sealed.schemaCid,
      recordsRoot: p.sealed.recordsRoot,
      recordCount: p.sealed.recordCount,
      license: p.license,
      provider: p.provider,
    },
    terms: p.terms,
    contributors: p.contributors ?? [],
  })
  recordRegistration(vault, { chainId: p.chainId, datasetRegistry: p.datasetRegistry, datasetId, cid: p.sealed.cid })
  return { datasetId, hash }
}
