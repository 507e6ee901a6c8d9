/**
 * The node's SQLite database (better-sqlite3, WAL) with versioned migrations. Each migration runs once, in order,
 * inside a transaction; `schema_migrations` records which ran. Later capabilities append migrations here.
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import Database from 'better-sqlite3'
import { type CheckpointerOptions, startCheckpointer } from './checkpointer.ts'

export type Db = Database.Database

export type Migration = { version: number; name: string; up: string }

export const migrations: Migration[] = [
  {
    version: 1,
    name: 'meta and network index',
    up: `
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE subnets (
        netuid INTEGER PRIMARY KEY,
        owner TEXT NOT NULL,
        name TEXT NOT NULL,
        task_type TEXT NOT NULL,
        scoring_spec_cid TEXT NOT NULL,
        max_neurons INTEGER NOT NULL,
        registration_cost TEXT NOT NULL,
        created_block INTEGER NOT NULL
      );
      CREATE TABLE neurons (
        netuid INTEGER NOT NULL REFERENCES subnets(netuid),
        uid INTEGER NOT NULL,
        hotkey TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('miner', 'validator')),
        endpoint TEXT NOT NULL,
        metadata_cid TEXT NOT NULL,
        registered_block INTEGER NOT NULL,
        PRIMARY KEY (netuid, uid)
      );
      CREATE UNIQUE INDEX neurons_hotkey ON neurons (netuid, hotkey);
      CREATE TABLE events (
        block_number INTEGER NOT NULL,
        log_index INTEGER NOT NULL,
        tx_hash TEXT NOT NULL,
        name TEXT NOT NULL,
        args TEXT NOT NULL,
        PRIMARY KEY (block_number, log_index)
      );
    `,
  },
  {
    version: 2,
    name: 'paid inference: miner and gateway ledgers',
    up: `
      -- Amounts are decimal TEXT: uint96 does not fit SQLite's 64-bit integers.
      CREATE TABLE miner_channels (
        channel_id TEXT PRIMARY KEY,
        payer TEXT NOT NULL,
        token TEXT NOT NULL,
        best_amount TEXT NOT NULL,
        best_requests TEXT NOT NULL,
        best_units TEXT NOT NULL,
        best_signature TEXT NOT NULL,
        served_amount TEXT NOT NULL DEFAULT '0',
        served_requests INTEGER NOT NULL DEFAULT 0,
        claimed_amount TEXT NOT NULL DEFAULT '0',
        unclaimed_since INTEGER,
        closed INTEGER NOT NULL DEFAULT 0,
        updated_at INTEGER NOT NULL
      );
      CREATE TABLE miner_vouchers (
        channel_id TEXT NOT NULL,
        cumulative_amount TEXT NOT NULL,
        cumulative_requests TEXT NOT NULL,
        cumulative_units TEXT NOT NULL,
        signature TEXT NOT NULL,
        signer TEXT NOT NULL,
        model TEXT NOT NULL,
        price TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        PRIMARY KEY (channel_id, cumulative_amount, cumulative_requests, cumulative_units)
      );
      CREATE INDEX miner_vouchers_received ON miner_vouchers (received_at);
      CREATE TABLE miner_claims (
        tx_hash TEXT PRIMARY KEY,
        channels INTEGER NOT NULL,
        amount TEXT NOT NULL,
        gas_used TEXT NOT NULL,
        reason TEXT NOT NULL,
        claimed_at INTEGER NOT NULL
      );
      CREATE TABLE gateway_channels (
        channel_id TEXT PRIMARY KEY,
        payee TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        token TEXT NOT NULL,
        deposit TEXT NOT NULL,
        session_signer TEXT NOT NULL,
        committed_amount TEXT NOT NULL DEFAULT '0',
        signed_amount TEXT NOT NULL DEFAULT '0',
        signed_requests TEXT NOT NULL DEFAULT '0',
        units TEXT NOT NULL DEFAULT '0',
        closed INTEGER NOT NULL DEFAULT 0,
        opened_at INTEGER NOT NULL
      );
      CREATE TABLE gateway_vouchers (
        channel_id TEXT NOT NULL,
        cumulative_amount TEXT NOT NULL,
        cumulative_requests TEXT NOT NULL,
        cumulative_units TEXT NOT NULL,
        signature TEXT NOT NULL,
        model TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'sent',
        signed_at INTEGER NOT NULL,
        PRIMARY KEY (channel_id, cumulative_requests)
      );
    `,
  },
  {
    version: 3,
    name: 'incentives: validator scores and commits, epochs',
    up: `
      CREATE TABLE validator_scores (
        validator TEXT NOT NULL,
        netuid INTEGER NOT NULL,
        uid INTEGER NOT NULL,
        hotkey TEXT NOT NULL,
        score REAL NOT NULL,
        quality REAL NOT NULL,
        latency_ms REAL NOT NULL,
        rounds INTEGER NOT NULL,
        failures INTEGER NOT NULL,
        spot_checks INTEGER NOT NULL,
        spot_failures INTEGER NOT NULL,
        last_error TEXT,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (validator, netuid, uid)
      );
      -- The pending commit's weights and salt, written before the commit is sent (0 blocks: not confirmed yet).
      CREATE TABLE validator_commits (
        netuid INTEGER NOT NULL,
        hotkey TEXT NOT NULL,
        packed TEXT NOT NULL,
        salt TEXT NOT NULL,
        commit_block INTEGER NOT NULL,
        reveal_from INTEGER NOT NULL,
        reveal_until INTEGER NOT NULL,
        PRIMARY KEY (netuid, hotkey)
      );
      CREATE TABLE validator_weights (
        netuid INTEGER NOT NULL,
        hotkey TEXT NOT NULL,
        commit_block INTEGER NOT NULL,
        reveal_block INTEGER NOT NULL,
        packed TEXT NOT NULL,
        PRIMARY KEY (netuid, hotkey, commit_block)
      );
      -- Epochs as settled on chain, with this node's own computation (JSON) for the dashboard and the next epoch.
      CREATE TABLE epochs (
        netuid INTEGER NOT NULL,
        epoch INTEGER NOT NULL,
        snapshot_block INTEGER NOT NULL,
        proposer TEXT NOT NULL,
        header TEXT NOT NULL,
        proposal TEXT NOT NULL,
        built TEXT NOT NULL,
        matches INTEGER NOT NULL,
        emission TEXT NOT NULL,
        final INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (netuid, epoch)
      );
    `,
  },
  {
    version: 4,
    name: 'incentives: validator scores per tempo period',
    up: `
      -- The period being measured (its round scores so far) and the last complete one (its mean): a validator's
      -- weights describe one period, the same one for every honest validator.
      ALTER TABLE validator_scores ADD COLUMN period INTEGER NOT NULL DEFAULT -1;
      ALTER TABLE validator_scores ADD COLUMN period_sum REAL NOT NULL DEFAULT 0;
      ALTER TABLE validator_scores ADD COLUMN period_rounds INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE validator_scores ADD COLUMN period_failed INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE validator_scores ADD COLUMN last_period INTEGER NOT NULL DEFAULT -1;
      ALTER TABLE validator_scores ADD COLUMN last_period_score REAL NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 5,
    name: 'x402: exact payments (EIP-3009 authorizations) a miner accepted',
    up: `
      -- One row per authorization, keyed as the token keys it (asset, payer, nonce): a replay is never recorded twice.
      CREATE TABLE x402_payments (
        asset TEXT NOT NULL,
        payer TEXT NOT NULL,
        nonce TEXT NOT NULL,
        pay_to TEXT NOT NULL,
        amount TEXT NOT NULL,
        model TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'settled', 'failed')),
        tx_hash TEXT,
        reason TEXT,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (asset, payer, nonce)
      );
      CREATE INDEX x402_payments_created ON x402_payments (created_at);
    `,
  },
  {
    version: 6,
    name: 'model channels: the model (ModelRegistry id) a payment channel pays, on both sides',
    up: `
      -- NULL: a plain channel (models without terms). A decimal id: a model channel, every voucher of which pays
      -- that one model its whole amount (docs/models-market.md, "The node's protocol").
      ALTER TABLE miner_channels ADD COLUMN model_id TEXT;
      ALTER TABLE gateway_channels ADD COLUMN model_id TEXT;
    `,
  },
  {
    version: 7,
    name: 'provenance: signed receipts of outputs and their anchored batches',
    up: `
      -- One row per receipt, keyed by its EIP-712 digest (its leaf in the batch); looked up by output or request hash.
      CREATE TABLE receipts (
        digest TEXT PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('ai', 'human')),
        model TEXT NOT NULL,
        request TEXT NOT NULL,
        output TEXT NOT NULL,
        time INTEGER NOT NULL,
        signer TEXT NOT NULL,
        signature TEXT NOT NULL,
        batch_root TEXT,
        created_at INTEGER NOT NULL
      );
      CREATE INDEX receipts_output ON receipts (output);
      CREATE INDEX receipts_request ON receipts (request);
      CREATE INDEX receipts_pending ON receipts (signer, batch_root, created_at);
      CREATE TABLE receipt_batches (
        root TEXT PRIMARY KEY,
        signer TEXT NOT NULL,
        count INTEGER NOT NULL,
        cid TEXT NOT NULL,
        tx_hash TEXT,
        block INTEGER,
        anchored_at INTEGER,
        created_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 8,
    name: 'provenance: receipts looked up by model (lineage: a model to its outputs)',
    up: 'CREATE INDEX receipts_model ON receipts (model, created_at);',
  },
]

/**
 * Opens (creating if needed) the database at `file` and applies pending migrations. With `backgroundCheckpoints`
 * (what a node serving requests wants), WAL checkpoints run on a worker thread instead of inside commits on the event
 * loop (see checkpointer.ts); closing the database stops it.
 */
export function openDatabase(
  file: string,
  list: Migration[] = migrations,
  {
    backgroundCheckpoints = false,
    checkpoints,
  }: { backgroundCheckpoints?: boolean; checkpoints?: CheckpointerOptions } = {},
): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true })
  const db = new Database(file)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = NORMAL')
  db.pragma('foreign_keys = ON')
  migrate(db, list)
  if (backgroundCheckpoints && file !== ':memory:') {
    const checkpointer = startCheckpointer(db, file, checkpoints)
    const close = db.close.bind(db)
    db.close = () => {
      checkpointer.stop()
      return close()
    }
  }
  return db
}

export function migrate(db: Db, list: Migration[]): number[] {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
  )
  const done = new Set(
    (db.prepare('SELECT version FROM schema_migrations').all() as { version: number }[]).map((r) => r.version),
  )
  const applied: number[] = []
  for (const m of [...list].sort((a, b) => a.version - b.version)) {
    if (done.has(m.version)) continue
    db.transaction(() => {
      db.exec(m.up)
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        new Date().toISOString(),
      )
    })()
    applied.push(m.version)
  }
  return applied
}

export function getMeta(db: Db, key: string): string | undefined {
  return (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value
}

export function setMeta(db: Db, key: string, value: string): void {
  db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(
    key,
    value,
  )
}
