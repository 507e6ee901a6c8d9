/**
 * An in-process EVM (@ethereumjs/evm) for tests that need thousands of contract calls: about 0.5 ms per call, where
 * a round trip to anvil costs several. Calls are ABI-encoded and decoded with viem; a revert is `ok: false` with the
 * revert data, never an exception. Each call or deployment is priced as its own transaction: EIP-2929 warm sets and
 * EIP-2200 original values start afresh (the EVM keeps them between runCall's otherwise, which made storage touched
 * by an earlier call look warm and understated every gas figure).
 */
import { createEVM, type EVM } from '@ethereumjs/evm'
import { createAddressFromString, type Address as EvmAddress } from '@ethereumjs/util'
import {
  type Abi,
  type Address,
  bytesToHex,
  decodeFunctionResult,
  encodeFunctionData,
  type Hex,
  hexToBytes,
} from 'viem'

export type CallResult = { ok: boolean; result: unknown; gasUsed: bigint; revertData: Hex; error?: string }

export type InProcessChain = {
  evm: EVM
  /** The block timestamp of the next call; tests move it forward. */
  now: bigint
  /** The block number of the next call; tests move it forward. */
  block: bigint
  deploy: (data: Hex, from?: Address) => Promise<EvmAddress>
  call: (
    from: Address,
    to: EvmAddress,
    abi: Abi,
    functionName: string,
    args: unknown[],
    options?: { gasLimit?: bigint },
  ) => Promise<CallResult>
}

const zeroAddress = '0x0000000000000000000000000000000000000000'

export async function createInProcessChain(): Promise<InProcessChain> {
  const evm = await createEVM()
  /** What a transaction starts with: only the sender, the target, the coinbase and the precompiles warm. */
  const startTransaction = async (from: Address, to?: EvmAddress) => {
    await evm.journal.cleanup()
    evm.stateManager.originalStorageCache.clear()
    const warm = [from, zeroAddress, ...(to ? [to.toString()] : []), ...evm.precompiles.keys()]
    for (const address of warm) evm.journal.addAlwaysWarmAddress(address.replace(/^0x/, '').toLowerCase())
  }
  const chain: InProcessChain = {
    evm,
    now: 1_800_000_000n,
    block: 1n,
    async deploy(data, from = '0x00000000000000000000000000000000000000aa') {
      await startTransaction(from)
      const r = await evm.runCall({
        caller: createAddressFromString(from),
        data: hexToBytes(data),
        gasLimit: 30_000_000n,
        skipBalance: true,
      })
      if (!r.createdAddress) throw new Error(`deploy failed: ${r.execResult.exceptionError?.error}`)
      return r.createdAddress
    },
    async call(from, to, abi, functionName, args, options = {}) {
      const header = {
        number: chain.block,
        coinbase: createAddressFromString(zeroAddress),
        timestamp: chain.now,
        difficulty: 0n,
        prevRandao: new Uint8Array(32),
        gasLimit: 30_000_000n,
        baseFeePerGas: undefined,
        slotNumber: 0n,
        getBlobGasPrice: () => undefined,
      }
      await startTransaction(from, to)
      const r = await evm.runCall({
        caller: createAddressFromString(from),
        to,
        data: hexToBytes(encodeFunctionData({ abi, functionName, args } as never)),
        gasLimit: options.gasLimit ?? 5_000_000n,
        block: { header } as never,
        skipBalance: true,
      })
      const returned = bytesToHex(r.execResult.returnValue)
      const gasUsed = r.execResult.executionGasUsed
      if (r.execResult.exceptionError) {
        return { ok: false, result: undefined, gasUsed, revertData: returned, error: r.execResult.exceptionError.error }
      }
      const result = decodeFunctionResult({ abi, functionName, data: returned } as never)
      return { ok: true, result, gasUsed, revertData: '0x' }
    },
  }
  return chain
}

/**
 * Runs `run` from the chain's current state at time `at`, and puts the state back after (the EVM's state journal):
 * each random sequence of a property starts from the same deployment.
 */
export async function fromSnapshot<value>(chain: InProcessChain, at: bigint, run: () => Promise<value>) {
  await chain.evm.stateManager.checkpoint()
  chain.now = at
  try {
    return await run()
  } finally {
    await chain.evm.stateManager.revert()
  }
}
