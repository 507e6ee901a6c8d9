/**
 * Wires the data market into the node (docs/data.md): the vault (its database and key) when the vault role is on,
 * the key-release and certification endpoints, and the read side the API and the dashboard show (`GET /api/data`:
 * datasets, grants, certifications on chain and off, the keys held here and the log of key requests; one chain read a
 * second shared by every caller).
 */
import { listCertifications, listDatasets, listGrants, type MycelAddresses } from '@mycel/sdk'
import type { Common, RoleContext } from '../common/common.ts'
import { READ_VIEW_STALE, sharedFor } from '../common/shared.ts'
import { roleEnabled } from '../config/options.ts'
import { isRegisteredHere, listDatasetKeys, readReleases } from '../db/stores/vault.ts'
import type { DataApi } from '../http/dataRoutes.ts'
import { acceptCertification, offchainCertifications } from '../vault/certifications.ts'
import { DataRequestError } from '../vault/errors.ts'
import { type ReleaseContext, releaseKey } from '../vault/release.ts'
import { serveQuery, serveRecords } from '../vault/serve.ts'
import { openVault, type Vault } from '../vault/vault.ts'

const json = (value: unknown) =>
  JSON.parse(JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))) as unknown

const vaultOff = (what: string) =>
  new DataRequestError('VAULT_OFF', `This node runs no vault (set vault: on): it ${what}.`, 404)

export async function startData(
  common: Common,
  ctx: RoleContext & { addresses: MycelAddresses },
): Promise<{ api: DataApi; vault?: Vault; stop: () => void }> {
  const vault = roleEnabled(common.options.vault, ctx.devnet) ? await openVault(common.options.dataDir) : undefined
  const certificationContext = vault ? { ...ctx, db: vault.db } : undefined
  // Read once a second whoever asks; under load a caller waits for a slow walk at most a second (then the last one).
  const chainView = sharedFor(
    1000,
    async (_all: 'all') => {
      const { addresses, client } = ctx
      const { total, datasets } = await listDatasets(client, { datasetRegistry: addresses.datasetRegistry, limit: 50 })
      const grants = await listGrants(client, { accessGrants: addresses.accessGrants })
      const onchain = await listCertifications(client, { eas: addresses.eas })
      const offchain = certificationContext ? await offchainCertifications(certificationContext) : []
      const certifications = [
        ...onchain.map((c) => ({ ...c, onchain: true })),
        ...offchain.map((c) => ({ ...c, onchain: false })),
      ]
      return { total, datasets, grants, certifications }
    },
    { stale: READ_VIEW_STALE },
  )
  const releaseContext = (what: string): ReleaseContext => {
    if (!vault) throw vaultOff(what)
    return {
      client: ctx.client,
      chainId: ctx.chainId,
      addresses: ctx.addresses,
      db: vault.db,
      vaultKey: vault.privateKey,
    }
  }
  const api: DataApi = {
    async overview({ certified }) {
      const { total, datasets, grants, certifications } = await chainView('all')
      const held = vault ? listDatasetKeys(vault.db) : []
      const shown = datasets
        .map((d) => {
          // A certification counts for the records it names: the same id with other records is not this dataset.
          const own = certifications.filter(
            (c) =>
              c.certification.datasetId === d.datasetId &&
              c.certification.recordsRoot.toLowerCase() === d.recordsRoot.toLowerCase(),
          )
          return {
            ...d,
            // Released here only when registered from this vault: a copy naming the same CID is not (attacks.data.md D1).
            heldHere:
              vault !== undefined &&
              isRegisteredHere(vault.db, {
                chainId: ctx.chainId,
                registry: ctx.addresses.datasetRegistry,
                datasetId: d.datasetId.toString(),
                cid: d.cid,
              }),
            certified: own.some((c) => c.certification.passed && !c.revoked),
            certifications: own,
            grants: grants.filter((g) => g.datasetId === d.datasetId),
          }
        })
        .filter((d) => certified === undefined || d.certified === certified)
      return json({
        vault: vault ? { publicKey: vault.publicKey, datasets: held } : null,
        total,
        datasets: shown,
        releases: vault ? readReleases(vault.db, { limit: 50 }) : [],
      })
    },
    async releaseKey(body) {
      return releaseKey(releaseContext('releases no keys'), body)
    },
    async serveRecords(body) {
      return serveRecords(releaseContext('serves no records'), body)
    },
    async serveQuery(body) {
      return serveQuery(releaseContext('answers no queries'), body)
    },
    async acceptCertification(body) {
      if (!certificationContext) throw vaultOff('keeps no certifications')
      return json(await acceptCertification(certificationContext, body))
    },
  }
  if (vault) common.logger.info({ msg: 'vault open', datasets: listDatasetKeys(vault.db).length })
  return { api, ...(vault ? { vault } : {}), stop: () => vault?.close() }
}
