/**
 * Action: register the client's account as a neuron of a subnet, paying the registration cost (by EIP-2612 permit
 * when the allowance is short, so it stays one transaction).
 */
import { maxUint256, parseEventLogs, parseSignature } from 'viem'
import { readContract, signTypedData } from 'viem/actions'
import { mycelTokenAbi, type NeuronRole, neuronRoles, subnetRegistryAbi } from '../../contracts.ts'
import { ContractRevertError, decodeContractError, MissingEventError } from '../../errors/contract.ts'
import { type WriteClient, type WriteContractAndWaitErrorType, writeContractAndWait } from '../write.ts'

export type RegisterNeuronParameters = {
  registry: `0x${string}`
  netuid: number | bigint
  role: NeuronRole
  /** Where the neuron serves: an http:// or https:// URL. */
  endpoint: string
  /** CID of the neuron's metadata document, or '' for none. */
  metadataCid?: string
  /** Seconds the registration-cost permit stays valid (default 1 hour). */
  permitTtlSeconds?: number
  /**
   * The most MYC (wei) to pay. Default: the cost read just before sending, so a registration that lands first and
   * raises the cost makes this one revert (`SubnetRegistryCostAboveMax`) instead of charging more.
   */
  maxCost?: bigint
}

export type RegisterNeuronReturnType = { uid: number; hash: `0x${string}`; costPaid: bigint }
export type RegisterNeuronErrorType = WriteContractAndWaitErrorType | MissingEventError

/**
 * Registers the client's account as a neuron (its hotkey) in a subnet. When the subnet charges a registration cost
 * and the registry's allowance is short, an EIP-2612 permit is signed so the whole registration is one transaction.
 *
 * @example
 * const { uid } = await registerNeuron(client, { registry, netuid: 1, role: 'miner', endpoint: 'http://127.0.0.1:9000' })
 */
export async function registerNeuron(
  client: WriteClient,
  parameters: RegisterNeuronParameters,
): Promise<RegisterNeuronReturnType> {
  const { registry, endpoint } = parameters
  const netuid = BigInt(parameters.netuid)
  const role = neuronRoles.indexOf(parameters.role)
  const metadataCid = parameters.metadataCid ?? ''
  const owner = client.account.address

  let cost = 0n
  let allowance = maxUint256
  let token: `0x${string}` | undefined
  try {
    // The cost now: it rises with each registration and decays between them.
    cost = await readContract(client, {
      address: registry,
      abi: subnetRegistryAbi,
      functionName: 'registrationCostNow',
      args: [netuid],
    })
  } catch (error) {
    // An unknown subnet is left to the registration below, which reverts with the registry's own decoded error;
    // anything else (an RPC failure) is not guessed around.
    const decoded = decodeContractError(error)
    if (!(decoded instanceof ContractRevertError && decoded.errorName === 'SubnetRegistryUnknownSubnet')) throw decoded
  }
  if (cost > 0n) {
    token = await readContract(client, { address: registry, abi: subnetRegistryAbi, functionName: 'token' })
    allowance = await readContract(client, {
      address: token,
      abi: mycelTokenAbi,
      functionName: 'allowance',
      args: [owner, registry],
    })
  }

  const maxCost = parameters.maxCost ?? cost
  let sent: Awaited<ReturnType<typeof writeContractAndWait>>
  if (token !== undefined && allowance < cost) {
    const chainId = client.chain?.id ?? (await client.request({ method: 'eth_chainId' }).then(Number))
    // The token's own EIP-712 domain (ERC-5267), rather than assuming its name and version.
    const [nonce, [, name, version]] = await Promise.all([
      readContract(client, { address: token, abi: mycelTokenAbi, functionName: 'nonces', args: [owner] }),
      readContract(client, { address: token, abi: mycelTokenAbi, functionName: 'eip712Domain' }),
    ])
    const deadline = BigInt(Math.floor(Date.now() / 1000) + (parameters.permitTtlSeconds ?? 3600))
    const signature = await signTypedData(client, {
      account: client.account,
      domain: { name, version, chainId, verifyingContract: token },
      types: {
        Permit: [
          { name: 'owner', type: 'address' },
          { name: 'spender', type: 'address' },
          { name: 'value', type: 'uint256' },
          { name: 'nonce', type: 'uint256' },
          { name: 'deadline', type: 'uint256' },
        ],
      },
      primaryType: 'Permit',
      message: { owner, spender: registry, value: cost, nonce, deadline },
    })
    const { v, r, s } = parseSignature(signature)
    sent = await writeContractAndWait(client, {
      address: registry,
      abi: subnetRegistryAbi,
      functionName: 'registerNeuronWithPermit',
      args: [netuid, role, endpoint, metadataCid, maxCost, deadline, Number(v ?? 27n), r, s],
    })
  } else {
    sent = await writeContractAndWait(client, {
      address: registry,
      abi: subnetRegistryAbi,
      functionName: 'registerNeuron',
      args: [netuid, role, endpoint, metadataCid, maxCost],
    })
  }
  const [event] = parseEventLogs({ abi: subnetRegistryAbi, eventName: 'NeuronRegistered', logs: sent.receipt.logs })
  if (!event) throw new MissingEventError({ eventName: 'NeuronRegistered', hash: sent.hash })
  return { uid: event.args.uid, hash: sent.hash, costPaid: event.args.costPaid }
}
