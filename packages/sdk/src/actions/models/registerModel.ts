/** Action: register a model (an NFT in ModelRegistry) with its CIDs, format, parents and license terms. */
import { type Address, parseEventLogs } from 'viem'
import { modelRegistryAbi } from '../../contracts.ts'
import { MissingEventError } from '../../errors/contract.ts'
import { type LicenseTerms, toContractTerms } from '../../models/terms.ts'
import { type WriteClient, type WriteContractAndWaitErrorType, writeContractAndWait } from '../write.ts'

export type RegisterModelParameters = {
  modelRegistry: Address
  /** CID of the weights in the content store (1–128 bytes). */
  weightsCid: string
  /** CID of the model card (1–128 bytes). */
  cardCid: string
  /** `onnx`, `gguf` or another short name (1–32 bytes). */
  format: string
  /** Up to 4 existing models this one derives from; the caller needs a valid license of each parent with terms. */
  parents?: readonly bigint[]
  /** License terms; omit to register without (served without license or royalty). */
  terms?: LicenseTerms
}
export type RegisterModelReturnType = { modelId: bigint; hash: `0x${string}` }
export type RegisterModelErrorType = WriteContractAndWaitErrorType | MissingEventError

/**
 * Registers a model owned by the client's account; returns its id.
 *
 * @example
 * const { modelId } = await registerModel(client, { modelRegistry, weightsCid, cardCid, format: 'onnx', terms })
 */
export async function registerModel(
  client: WriteClient,
  { modelRegistry, weightsCid, cardCid, format, parents = [], terms }: RegisterModelParameters,
): Promise<RegisterModelReturnType> {
  const { hash, receipt } = await writeContractAndWait(client, {
    address: modelRegistry,
    abi: modelRegistryAbi,
    functionName: 'register',
    args: [weightsCid, cardCid, format, [...parents], toContractTerms(terms)],
  })
  const [event] = parseEventLogs({ abi: modelRegistryAbi, eventName: 'ModelRegistered', logs: receipt.logs })
  if (!event) throw new MissingEventError({ eventName: 'ModelRegistered', hash })
  return { modelId: event.args.modelId, hash }
}
