/**
 * Action: fractionalize a model the client owns — deploy and wire its share vault, timelock and governor
 * ({@link deployModelGovernance}, which verifies the wiring), then call `ModelRegistry.fractionalize(modelId, vault,
 * timelock)`: the registry records the vault as the model's royalty recipient and moves the NFT to the timelock, so
 * from then on only what the share holders vote changes the model's terms.
 */
import type { Address, Hash, ReadContractErrorType } from 'viem'
import { readContract } from 'viem/actions'
import { modelRegistryAbi } from '../../contracts.ts'
import { decodeContractError } from '../../errors/contract.ts'
import { ModelNotOwnedError } from '../../governance/errors.ts'
import { type WriteClient, writeContractAndWait } from '../write.ts'
import {
  type DeployModelGovernanceErrorType,
  type DeployModelGovernanceParameters,
  type DeployModelGovernanceReturnType,
  deployModelGovernance,
} from './deployModelGovernance.ts'
import { getModelGovernance } from './getModelGovernance.ts'

export type FractionalizeModelParameters = DeployModelGovernanceParameters
export type FractionalizeModelReturnType = DeployModelGovernanceReturnType & { fractionalizeHash: Hash }
export type FractionalizeModelErrorType = DeployModelGovernanceErrorType | ModelNotOwnedError | ReadContractErrorType

/**
 * Fractionalizes model `modelId` of `registry`: checks the client owns it, deploys and verifies its governance,
 * then hands the model to the timelock. `gasUsed` covers every transaction, the registry call included.
 *
 * @example
 * const { vault, governor } = await fractionalizeModel(wallet, {
 *   registry: addresses.modelRegistry, modelId: 1n, name: 'digits shares', symbol: 'DIGITS',
 *   supply: parseEther('1000000'), tokens: [testUsd], sources: [paymentChannels, licenses],
 *   settings: DEVNET_GOVERNANCE,
 * })
 */
export async function fractionalizeModel(
  client: WriteClient,
  parameters: FractionalizeModelParameters,
): Promise<FractionalizeModelReturnType> {
  // An unknown model reverts with ModelRegistryUnknownModel (ERC721NonexistentToken): decoded into a sentence.
  const owner = await readContract(client, {
    address: parameters.registry,
    abi: modelRegistryAbi,
    functionName: 'ownerOf',
    args: [parameters.modelId],
  }).catch((error: unknown) => {
    throw decodeContractError(error)
  })
  const caller: Address = client.account.address
  if (owner.toLowerCase() !== caller.toLowerCase()) {
    throw new ModelNotOwnedError({ modelId: parameters.modelId, owner, caller })
  }
  const deployed = await deployModelGovernance(client, parameters)
  const { hash, receipt } = await writeContractAndWait(client, {
    address: parameters.registry,
    abi: modelRegistryAbi,
    functionName: 'fractionalize',
    args: [parameters.modelId, deployed.vault, deployed.timelock],
  })
  const governance = await getModelGovernance(client, {
    governor: deployed.governor,
    modelId: parameters.modelId,
    fromBlock: deployed.fromBlock,
  })
  return {
    ...deployed,
    governance,
    hashes: [...deployed.hashes, hash],
    gasUsed: deployed.gasUsed + receipt.gasUsed,
    fractionalizeHash: hash,
  }
}
