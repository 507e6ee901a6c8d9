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
