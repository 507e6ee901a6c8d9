/**
 * Wires the model market's node API (markets/catalog.ts, markets/governance.ts) into the node: the catalog reads
 * the chain the node is on; the miners serving a model are those the gateway discovered offering it (and this node's
 * own miner); governance is signed only on the devnet, by the devnet account the request names (0–9, default 0).
 * Off the devnet the API signs nothing: it has no authentication, so anyone who reaches it could vote with the node's
 * key; holders govern with `mycel model govern … --key <name>` (their keystore) instead.
 */
import type { MycelAddresses } from '@mycel/sdk'
import type { Address } from 'viem'
import type { RoleContext } from '../common/common.ts'
import { devnetAccount } from '../devnet/accounts.ts'
import type { ModelsApi } from '../http/modelsRoutes.ts'
import { createCatalog } from '../markets/catalog.ts'
import { SignerNotAllowedError } from '../markets/errors.ts'
import { createGovernanceWriter } from '../markets/governance.ts'
import { walletFor } from './accounts.ts'
import type { Roles } from './startRoles.ts'

export function startModels(
  ctx: RoleContext & {
    addresses: MycelAddresses
    fromBlock: bigint
    roles: Roles
    pollIntervalMs: number
  },
): ModelsApi | undefined {
  const { addresses } = ctx
  if (!addresses.modelRegistry || !addresses.licenses) return undefined
  const servedBy = (name: string): Address[] => {
    const payees = new Set<Address>()
    for (const m of ctx.roles.gateway?.miners() ?? []) if (m.models.has(name)) payees.add(m.payee)
    const own = ctx.roles.miner
    if (own?.models.some((m) => m.model.id === name)) payees.add(own.payee)
    return [...payees]
  }
  const catalog = createCatalog({
    client: ctx.client,
    store: ctx.store,
    addresses: {
      modelRegistry: addresses.modelRegistry,
      licenses: addresses.licenses,
      paymentChannels: addresses.paymentChannels,
    },
    fromBlock: ctx.fromBlock,
    servedBy,
  })
  const walletOf = (account: number | undefined) => {
    if (ctx.devnet) return walletFor(devnetAccount(account ?? 0), ctx.chain, ctx.rpcUrl, ctx.pollIntervalMs)
    throw new SignerNotAllowedError(
      'Off the devnet the node API signs no governance (it has no authentication, so anyone reaching it could vote with the node’s key): use `mycel model govern … --key <name>`.',
    )
  }
  const governance = createGovernanceWriter(catalog, { modelRegistry: addresses.modelRegistry, walletOf })
  return { catalog, governance }
}
