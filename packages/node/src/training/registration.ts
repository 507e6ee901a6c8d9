/**
 * What the trainer and the verifier both do first: register with `TrainingJobs` (stake and offer) unless the account
 * is already registered, once per process. A verifier registers to stake the challenge bonds it may lock; it offers
 * no cores.
 */
import { getTrainingProvider, type MycelAddresses, registerTrainingProvider, type WriteClient } from '@mycel/sdk'
import type { Logger } from 'pino'
import type { PublicClient } from 'viem'

export type TrainingOffer = {
  stake: bigint
  cores: number
  memoryMiB: number
  pricePerStep: bigint
  endpoint: string
}

/** `ensure()` registers the wallet's account with `offer` the first time it is needed; `registered` says if it is. */
export function trainingRegistration(p: {
  wallet: WriteClient
  client: PublicClient
  addresses: MycelAddresses
  inTx: <value>(send: () => Promise<value>) => Promise<value>
  logger: Logger
  role: 'trainer' | 'verifier'
  offer: TrainingOffer
}): { ensure: () => Promise<void>; readonly registered: boolean } {
  let registered = false
  const account = p.wallet.account.address
  const ensure = async () => {
    if (registered) return
    const provider = await getTrainingProvider(p.client, { trainingJobs: p.addresses.trainingJobs, account })
    if (!provider.registered) {
      await p.inTx(() =>
        registerTrainingProvider(p.wallet, {
          trainingJobs: p.addresses.trainingJobs,
          mycelToken: p.addresses.mycelToken,
          ...p.offer,
        }),
      )
      p.logger.info({ msg: `${p.role} registered`, account, stake: p.offer.stake.toString() })
    }
    registered = true
  }
  return {
    ensure,
    get registered() {
      return registered
    },
  }
}
