/**
 * Wires the data market into the node (docs/data.md): the vault (its database and key) when the vault role is on,
 * the key-release endpoint, and the read side the API and the dashboard show (`GET /api/data`: datasets, grants,
 * the keys held here and the log of key requests; one chain read a second shared by every caller).
 */
import { listDatasets, listGrants, type MycelAddresses } from '@mycel/sdk'
import type { Common, RoleContext } from '../common/common.ts'
import { sharedFor } from '../common/shared.ts'
import { roleEnabled } from '../config/options.ts'
import { listDatasetKeys, readReleases } from '../db/stores/vault.ts'
import type { DataApi } from '../http/dataRoutes.ts'
import { DataRequestError } from '../vault/errors.ts'
import { releaseKey } from '../vault/release.ts'
import { openVault, type Vault } from '../vault/vault.ts'

const json = (value: unknown) =>
  JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))) as unknown

export async function startData(
  common: Common,
  ctx: RoleContext & { addresses: MycelAddresses },
): Promise<{ api: DataApi; vault?: Vault; stop: () => void }> {
  const vault = roleEnabled(common.options.vault, ctx.devnet) ? await openVault(common.options.dataDir) : undefined
  const chainView = sharedFor(1000, async (_all: 'all') => {
    const { total, datasets } = await listDatasets(ctx.client, {
      datasetRegistry: ctx.addresses.datasetRegistry,
      limit: 50,
    })
    const grants = await listGrants(ctx.client, { accessGrants: ctx.addresses.accessGrants })
    return { total, datasets, grants }
  })
  const api: DataApi = {
    async overview() {
      const { total, datasets, grants } = await chainView('all')
      const held = vault ? listDatasetKeys(vault.db) : []
      const heldCids = new Set(held.map((h) => h.cid))
      return json({
        vault: vault ? { publicKey: vault.publicKey, datasets: held } : null,
        total,
        datasets: datasets.map((d) => ({
          ...d,
          heldHere: heldCids.has(d.cid),
          grants: grants.filter((g) => g.datasetId === d.datasetId),
        })),
        releases: vault ? readReleases(vault.db, { limit: 50 }) : [],
      })
    },
    async releaseKey(body) {
      if (!vault) {
        throw new DataRequestError('VAULT_OFF', 'This node runs no vault (set vault: on): it releases no keys.', 404)
      }
      return releaseKey(
        {
          client: ctx.client,
          chainId: ctx.chainId,
          addresses: ctx.addresses,
          db: vault.db,
          vaultKey: vault.privateKey,
        },
        body,
      )
    },
  }
  if (vault) common.logger.info({ msg: 'vault open', datasets: listDatasetKeys(vault.db).length })
  return { api, ...(vault ? { vault } : {}), stop: () => vault?.close() }
}
