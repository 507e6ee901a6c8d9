/**
 * The vault's database, `<dataDir>/vault/vault.db` (its own file, so the CLI adds datasets beside a running node and
 * its migrations never collide with the node's): the dataset keys, each wrapped (ECIES) to the node's vault key, and
 * the log of every key request — released or refused, with the reason. The only place holding that SQL.
 */
import type { Db, Migration } from '../database.ts'

export const vaultMigrations: Migration[] = [
  {
    version: 1,
    name: 'dataset keys and key releases',
    up: `
      CREATE TABLE dataset_keys (
        cid TEXT PRIMARY KEY,
        wrapped_key BLOB NOT NULL,
        name TEXT NOT NULL,
        format TEXT NOT NULL,
        record_count INTEGER NOT NULL,
        records_root TEXT NOT NULL,
        schema_cid TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE TABLE key_releases (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        chain_id INTEGER NOT NULL,
        dataset_id TEXT NOT NULL,
        grant_id TEXT NOT NULL,
        requester TEXT NOT NULL,
        action TEXT NOT NULL,
        released INTEGER NOT NULL,
        reason TEXT NOT NULL
      );
      CREATE INDEX key_releases_dataset ON key_releases (chain_id, dataset_id, id);
    `,
  },
  {
    version: 2,
    name: 'offchain certifications',
    up: `
      CREATE TABLE offchain_certifications (
        uid TEXT PRIMARY KEY,
        chain_id INTEGER NOT NULL,
        dataset_id TEXT NOT NULL,
        signer TEXT NOT NULL,
        package TEXT NOT NULL,
        received_at TEXT NOT NULL
      );
      CREATE INDEX offchain_certifications_dataset ON offchain_certifications (chain_id, dataset_id);
    `,
  },
  {
    // A key is released only for grants on a dataset registered from this vault: a CID alone is public, and anyone
    // may register a copy of a listing naming it (contracts/test/attacks.data.md D1).
    version: 3,
    name: 'dataset registrations',
    up: `
      CREATE TABLE dataset_registrations (
        chain_id INTEGER NOT NULL,
        registry TEXT NOT NULL,
        dataset_id TEXT NOT NULL,
        cid TEXT NOT NULL REFERENCES dataset_keys (cid),
        registered_at TEXT NOT NULL,
        PRIMARY KEY (chain_id, registry, dataset_id)
      );
    `,
  },
  {
    // The personal vault: records kept one by one (each sealed under its dataset's key, with its leaf hash for proofs),
    // and the signatures of query requests answered (a query spends a unit of its grant: a replay must not).
    version: 4,
    name: 'vault records and answered requests',
    up: `
      CREATE TABLE vault_records (
        cid TEXT NOT NULL REFERENCES dataset_keys (cid),
        idx INTEGER NOT NULL,
        hash TEXT NOT NULL,
        sealed BLOB NOT NULL,
        PRIMARY KEY (cid, idx)
      );
      CREATE TABLE answered_requests (
        digest TEXT PRIMARY KEY,
        at INTEGER NOT NULL
      );
    `,
  },
]

export type OffchainCertificationRow = { uid: string; datasetId: string; signer: string; package: string }

/** Keeps an offchain certification (verified before); false when it was already kept. */
export function putOffchainCertification(db: Db, chainId: number, row: OffchainCertificationRow): boolean {
  return (
    db
      .prepare(
        `INSERT INTO offchain_certifications (uid, chain_id, dataset_id, signer, package, received_at)
         VALUES (@uid, @chainId, @datasetId, @signer, @package, @receivedAt) ON CONFLICT(uid) DO NOTHING`,
      )
      .run({ ...row, chainId, receivedAt: new Date().toISOString() }).changes > 0
  )
}

export function readOffchainCertifications(db: Db, chainId: number): OffchainCertificationRow[] {
  return db
    .prepare(
      `SELECT uid, dataset_id AS datasetId, signer, package FROM offchain_certifications WHERE chain_id = ?
       ORDER BY received_at DESC`,
    )
    .all(chainId) as OffchainCertificationRow[]
}

export type DatasetKeyRow = {
  cid: string
  wrappedKey: Buffer
  name: string
  format: string
  recordCount: number
  recordsRoot: string
  schemaCid: string
  createdAt: string
}

export function putDatasetKey(db: Db, row: Omit<DatasetKeyRow, 'createdAt'>): void {
  db.prepare(
    `INSERT INTO dataset_keys (cid, wrapped_key, name, format, record_count, records_root, schema_cid, created_at)
     VALUES (@cid, @wrappedKey, @name, @format, @recordCount, @recordsRoot, @schemaCid, @createdAt)
     ON CONFLICT(cid) DO NOTHING`,
  ).run({ ...row, createdAt: new Date().toISOString() })
}

export function getDatasetKey(db: Db, cid: string): DatasetKeyRow | undefined {
  return db
    .prepare(
      `SELECT cid, wrapped_key AS wrappedKey, name, format, record_count AS recordCount, records_root AS recordsRoot,
        schema_cid AS schemaCid, created_at AS createdAt FROM dataset_keys WHERE cid = ?`,
    )
    .get(cid) as DatasetKeyRow | undefined
}

export type DatasetRegistrationRow = { chainId: number; registry: string; datasetId: string; cid: string }

/**
 * Records that the dataset `datasetId` of `registry` on `chainId` was registered from this vault for the key kept
 * under `cid` (after the registration's transaction): only then does the node release that key for its grants.
 */
export function putDatasetRegistration(db: Db, row: DatasetRegistrationRow): void {
  db.prepare(
    `INSERT INTO dataset_registrations (chain_id, registry, dataset_id, cid, registered_at)
     VALUES (@chainId, @registry, @datasetId, @cid, @registeredAt) ON CONFLICT DO NOTHING`,
  ).run({ ...row, registry: row.registry.toLowerCase(), registeredAt: new Date().toISOString() })
}

/** Whether the dataset `datasetId` was registered from this vault, for the key kept under `cid`. */
export function isRegisteredHere(db: Db, row: DatasetRegistrationRow): boolean {
  return (
    db
      .prepare(
        `SELECT 1 FROM dataset_registrations
         WHERE chain_id = @chainId AND registry = @registry AND dataset_id = @datasetId AND cid = @cid`,
      )
      .get({ ...row, registry: row.registry.toLowerCase() }) !== undefined
  )
}

export function listDatasetKeys(db: Db): Omit<DatasetKeyRow, 'wrappedKey'>[] {
  return db
    .prepare(
      `SELECT cid, name, format, record_count AS recordCount, records_root AS recordsRoot, schema_cid AS schemaCid,
        created_at AS createdAt FROM dataset_keys ORDER BY created_at DESC`,
    )
    .all() as Omit<DatasetKeyRow, 'wrappedKey'>[]
}

export type KeyRelease = {
  id: number
  at: string
  chainId: number
  datasetId: string
  grantId: string
  requester: string
  action: string
  released: boolean
  reason: string
}

export function logRelease(db: Db, entry: Omit<KeyRelease, 'id' | 'at'>): void {
  db.prepare(
    `INSERT INTO key_releases (at, chain_id, dataset_id, grant_id, requester, action, released, reason)
     VALUES (@at, @chainId, @datasetId, @grantId, @requester, @action, @released, @reason)`,
  ).run({ ...entry, released: entry.released ? 1 : 0, at: new Date().toISOString() })
}

/** The newest key requests first (of one dataset when given). */
export function readReleases(db: Db, options: { limit: number; chainId?: number; datasetId?: string }): KeyRelease[] {
  const rows = (
    options.datasetId === undefined
      ? db.prepare('SELECT * FROM key_releases ORDER BY id DESC LIMIT ?').all(options.limit)
      : db
          .prepare('SELECT * FROM key_releases WHERE chain_id = ? AND dataset_id = ? ORDER BY id DESC LIMIT ?')
          .all(options.chainId, options.datasetId, options.limit)
  ) as (Omit<KeyRelease, 'released' | 'chainId' | 'datasetId' | 'grantId'> & {
    released: number
    chain_id: number
    dataset_id: string
    grant_id: string
  })[]
  return rows.map((r) => ({
    id: r.id,
    at: r.at,
    chainId: r.chain_id,
    datasetId: r.dataset_id,
    grantId: r.grant_id,
    requester: r.requester,
    action: r.action,
    released: r.released === 1,
    reason: r.reason,
  }))
}

/** Keeps a dataset's records one by one (sealed, with their leaf hashes), in one transaction. */
export function putVaultRecords(db: Db, cid: string, records: { hash: string; sealed: Buffer }[]): void {
  const insert = db.prepare(
    'INSERT INTO vault_records (cid, idx, hash, sealed) VALUES (?, ?, ?, ?) ON CONFLICT (cid, idx) DO NOTHING',
  )
  db.transaction(() => {
    for (const [idx, r] of records.entries()) insert.run(cid, idx, r.hash, r.sealed)
  })()
}

/** The leaf hashes of a dataset's kept records, in order (empty when its records are not kept here). */
export function readVaultRecordHashes(db: Db, cid: string): string[] {
  return (db.prepare('SELECT hash FROM vault_records WHERE cid = ? ORDER BY idx').all(cid) as { hash: string }[]).map(
    (r) => r.hash,
  )
}

/** Sealed records of `cid` at `indices` (those kept), or every kept record when `indices` is undefined. */
export function readVaultRecords(db: Db, cid: string, indices?: readonly number[]): { idx: number; sealed: Buffer }[] {
  if (indices === undefined) {
    return db.prepare('SELECT idx, sealed FROM vault_records WHERE cid = ? ORDER BY idx').all(cid) as {
      idx: number
      sealed: Buffer
    }[]
  }
  const one = db.prepare('SELECT idx, sealed FROM vault_records WHERE cid = ? AND idx = ?')
  return indices.flatMap((i) => (one.get(cid, i) as { idx: number; sealed: Buffer } | undefined) ?? [])
}

/** Query answers given on `grantId` so far. */
export function countAnswered(db: Db, chainId: number, grantId: string): number {
  return (
    db
      .prepare(
        `SELECT COUNT(*) AS n FROM key_releases
         WHERE chain_id = ? AND grant_id = ? AND action = 'query' AND released = 1`,
      )
      .get(chainId, grantId) as { n: number }
  ).n
}

/** Records a request as answered; false when it was answered before (a replay). Forgets digests older than `before`. */
export function markAnswered(db: Db, digest: string, now: number, before: number): boolean {
  db.prepare('DELETE FROM answered_requests WHERE at < ?').run(before)
  return (
    db.prepare('INSERT INTO answered_requests (digest, at) VALUES (?, ?) ON CONFLICT DO NOTHING').run(digest, now)
      .changes > 0
  )
}
