/**
 * The insufficient-funds explanation of a failed deployment (chain/deploymentCost.ts): when the cost cannot be told
 * (the chain stopped answering), it gives way to the deployment's own error instead of replacing it.
 */
import { createPublicClient, http } from 'viem'
import { describe, expect, it } from 'vitest'
import { deploymentFundingError } from '../src/chain/deploymentCost.ts'

describe('deploymentFundingError', () => {
  it('is undefined when the chain does not answer, so the original error is shown', async () => {
    // Port 9 (discard): nothing listens there, the connection is refused.
    const client = createPublicClient({ transport: http('http://127.0.0.1:9', { retryCount: 0 }) })
    const address = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC'
    await expect(
      deploymentFundingError(client, { address, chainId: 31337, initialSupply: 10n ** 24n }),
    ).resolves.toBeUndefined()
  })
})
