/**
 * The licenses a miner needs: every served model registered with license terms is paid for only while the miner
 * holds a valid license of it (admission answers 503 LICENSE_INVALID, gateways route elsewhere, claims leave its
 * channels out). At start the miner checks each one; with `buy` (a devnet test account: test money) it buys what is
 * missing, otherwise it logs which license to buy and the command that does it — buying costs real money, so a
 * node never spends it without being told to.
 */
import { buyLicense, type WriteClient } from '@mycel/sdk'
import type { Common } from '../common/common.ts'
import type { MinerOffer } from '../inference/offer.ts'
import type { Market } from '../markets/licenses.ts'

export type LicenseCheck = { model: string; modelId: bigint; valid: boolean; bought?: bigint; reason?: string }

export async function ensureLicenses(
  p: { offer: MinerOffer; market: Market; wallet: WriteClient; buy: boolean },
  log: Common['logger'],
): Promise<LicenseCheck[]> {
  const payee = p.wallet.account.address
  const checks: LicenseCheck[] = []
  for (const m of p.offer.models) {
    if (m.registryId === undefined) continue
    const modelId = BigInt(m.registryId)
    const status = await p.market.license(payee, modelId)
    if (status.valid) {
      checks.push({ model: m.id, modelId, valid: true })
      continue
    }
    const licenses = p.buy ? (await p.market.addresses())?.licenses : undefined
    if (licenses) {
      const bought = await buyLicense(p.wallet, { licenses, modelId })
      p.market.invalidate()
      log.info({ msg: 'license bought', model: m.id, modelId, licenseId: bought.licenseId, fee: bought.fee })
      checks.push({ model: m.id, modelId, valid: true, bought: bought.licenseId })
      continue
    }
    log.warn({
      msg: `no valid license for ${m.id}: it is not paid for until one is bought (mycel model license buy ${modelId} --key <this miner's key>)`,
      model: m.id,
      modelId,
      reason: status.reason,
    })
    checks.push({ model: m.id, modelId, valid: false, reason: status.reason })
  }
  return checks
}
