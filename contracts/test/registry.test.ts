/**
 * SubnetRegistry and MycelToken through viem against a real anvil: behaviour, errors, events, invariants.
 *
 * Longer than 400 lines: one anvil and one deployment for the whole registry.
 */
import {
  ContractRevertError,
  createSubnet,
  deployMycel,
  deregisterNeuron,
  getNeurons,
  getSubnets,
  isValidEndpoint,
  MAX_ENDPOINT_LENGTH,
  MAX_NEURONS_LIMIT,
  mycelTokenAbi,
  packUids,
  registerNeuron,
  subnetRegistryAbi,
  updateEndpoint,
  writeContractAndWait,
} from '@mycel/sdk'
import fc from 'fast-check'
import { createWalletClient, http, keccak256, parseEther, stringToHex, zeroAddress } from 'viem'
import { readContract, simulateContract } from 'viem/actions'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  deployTestContracts,
  fundAccounts,
  startTestChain,
  TEST_CHALLENGE_PERIOD,
  TEST_SUPPLY,
  type TestChain,
} from '../../test/helpers/chain.ts'

let t: TestChain
let registry: `0x${string}`
let token: `0x${string}`
let snap: `0x${string}`
const spec = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'

beforeAll(async () => {
  t = await startTestChain()
  const addresses = await deployTestContracts(t)
  registry = addresses.subnetRegistry
  token = addresses.mycelToken
  // Fund accounts 1..4 with MYC for registration costs.
  await fundAccounts(t, addresses, [1, 2, 3, 4], { myc: parseEther('100') })
})
afterAll(async () => t?.stop())
beforeEach(async () => {
  snap = await t.snapshot()
})
afterEach(async () => t.revert(snap))

const newSubnet = (maxNeurons = 4, registrationCost = 0n, index = 0) =>
  createSubnet(t.wallet(index), {
    registry,
    name: 'digits',
    taskType: 'image-classification',
    scoringSpecCid: spec,
    maxNeurons,
    registrationCost,
  })

async function revertOf(promise: Promise<unknown>): Promise<ContractRevertError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ContractRevertError)
  return error as ContractRevertError
}

describe('deployment', () => {
  it('wires Epochs into the registry and lets it mint emissions', async () => {
    const epochs = await readContract(t.publicClient, {
      address: registry,
      abi: subnetRegistryAbi,
      functionName: 'epochs',
    })
    expect(epochs).not.toBe(zeroAddress)
    const minter = await readContract(t.publicClient, {
      address: token,
      abi: mycelTokenAbi,
      functionName: 'hasRole',
      args: [keccak256(stringToHex('MINTER_ROLE')), epochs],
    })
    expect(minter).toBe(true)
  })

  it('is deterministic and idempotent: a second run finds the same contracts and sends nothing', async () => {
    const wallet = t.wallet(0)
    const before = await t.publicClient.getTransactionCount({ address: wallet.account.address })
    const again = await deployMycel(wallet, {
      treasury: wallet.account.address,
      initialSupply: TEST_SUPPLY,
      challengePeriodSeconds: TEST_CHALLENGE_PERIOD,
      testStablecoin: true,
    })
    expect(again.method).toBe('create2')
    expect(again.addresses).toMatchObject({ mycelToken: token, subnetRegistry: registry })
    expect(await t.publicClient.getTransactionCount({ address: wallet.account.address })).toBe(before)
    // The deployment block of contracts found in place is recovered from history.
    const block = BigInt(again.contracts.subnetRegistry.blockNumber ?? -1)
    expect(await t.publicClient.getCode({ address: registry, blockNumber: block })).toMatch(/^0x[0-9a-f]{100,}/)
    expect(await t.publicClient.getCode({ address: registry, blockNumber: block - 1n })).toBeUndefined()
  })

  it('mirrors the protocol bounds in the SDK', async () => {
    expect(
      await readContract(t.publicClient, {
        address: registry,
        abi: subnetRegistryAbi,
        functionName: 'MAX_NEURONS_LIMIT',
      }),
    ).toBe(MAX_NEURONS_LIMIT)
    expect(
      await readContract(t.publicClient, {
        address: registry,
        abi: subnetRegistryAbi,
        functionName: 'MAX_ENDPOINT_LENGTH',
      }),
    ).toBe(BigInt(MAX_ENDPOINT_LENGTH))
  })
})

describe('MycelToken', () => {
  it('mints the initial supply to the treasury and has permit and votes', async () => {
    expect(
      await readContract(t.publicClient, { address: token, abi: mycelTokenAbi, functionName: 'totalSupply' }),
    ).toBe(TEST_SUPPLY)
    expect(await readContract(t.publicClient, { address: token, abi: mycelTokenAbi, functionName: 'symbol' })).toBe(
      'MYC',
    )
    const holder = t.wallet(1)
    await writeContractAndWait(holder, {
      address: token,
      abi: mycelTokenAbi,
      functionName: 'delegate',
      args: [holder.account.address],
    })
    expect(
      await readContract(t.publicClient, {
        address: token,
        abi: mycelTokenAbi,
        functionName: 'getVotes',
        args: [holder.account.address],
      }),
    ).toBe(parseEther('100'))
  })

  it('lets only a MINTER_ROLE holder mint', async () => {
    const outsider = t.wallet(2)
    const error = await simulateContract(t.publicClient, {
      address: token,
      abi: mycelTokenAbi,
      functionName: 'mint',
      args: [outsider.account.address, 1n],
      account: outsider.account,
    }).catch((e: Error) => e)
    expect(String(error)).toContain('AccessControlUnauthorizedAccount')
  })
})

describe('SubnetRegistry', () => {
  it('creates subnets with increasing ids and emits SubnetCreated', async () => {
    const a = await newSubnet()
    const b = await newSubnet(8, parseEther('1'), 1)
    expect([a.netuid, b.netuid]).toEqual([1n, 2n])
    const subnets = await getSubnets(t.publicClient, { registry })
    expect(subnets.map((s) => [s.netuid, s.maxNeurons, s.owner])).toEqual([
      [1, 4, t.wallet(0).account.address],
      [2, 8, t.wallet(1).account.address],
    ])
  })

  it('rejects bad subnet parameters with custom errors', async () => {
    const bad = (over: Partial<Parameters<typeof createSubnet>[1]>) =>
      revertOf(
        createSubnet(t.wallet(0), {
          registry,
          name: 'x',
          taskType: 'y',
          scoringSpecCid: spec,
          maxNeurons: 4,
          registrationCost: 0n,
          ...over,
        }),
      )
    expect((await bad({ name: '' })).errorName).toBe('SubnetRegistryInvalidLabel')
    expect((await bad({ taskType: 'x'.repeat(33) })).errorName).toBe('SubnetRegistryInvalidLabel')
    expect((await bad({ scoringSpecCid: '' })).errorName).toBe('SubnetRegistryInvalidCid')
    const tooBig = await bad({ maxNeurons: 5000 })
    expect(tooBig.errorName).toBe('SubnetRegistryInvalidMaxNeurons')
    expect(tooBig.shortMessage).toBe('Max neurons 5000 is out of range: use 1 to 256.')
  })

  it('registers a neuron, burns the registration cost through a permit, and lists it', async () => {
    const { netuid } = await newSubnet(4, parseEther('2'))
    const miner = t.wallet(1)
    const supplyBefore = await readContract(t.publicClient, {
      address: token,
      abi: mycelTokenAbi,
      functionName: 'totalSupply',
    })
    const { uid, costPaid } = await registerNeuron(miner, {
      registry,
      netuid,
      role: 'miner',
      endpoint: 'http://127.0.0.1:9000',
    })
    expect(uid).toBe(0)
    expect(costPaid).toBe(parseEther('2'))
    expect(
      await readContract(t.publicClient, {
        address: token,
        abi: mycelTokenAbi,
        functionName: 'balanceOf',
        args: [miner.account.address],
      }),
    ).toBe(parseEther('98'))
    expect(
      await readContract(t.publicClient, { address: token, abi: mycelTokenAbi, functionName: 'totalSupply' }),
    ).toBe(supplyBefore - parseEther('2'))
    const neurons = await getNeurons(t.publicClient, { registry, netuid })
    expect(neurons).toMatchObject([
      { uid: 0, hotkey: miner.account.address, role: 'miner', endpoint: 'http://127.0.0.1:9000' },
    ])
  })

  it('refuses registration on an unknown subnet, a full subnet, twice, or with a bad endpoint', async () => {
    const unknown = await revertOf(
      registerNeuron(t.wallet(1), { registry, netuid: 99, role: 'miner', endpoint: 'http://a.example' }),
    )
    expect(unknown.shortMessage).toBe('Subnet 99 does not exist. List subnets with `mycel subnet list`.')

    const { netuid } = await newSubnet(2)
    await registerNeuron(t.wallet(1), { registry, netuid, role: 'miner', endpoint: 'http://a.example' })
    const twice = await revertOf(
      registerNeuron(t.wallet(1), { registry, netuid, role: 'validator', endpoint: 'http://b.example' }),
    )
    expect(twice.errorName).toBe('SubnetRegistryAlreadyRegistered')
    expect(twice.shortMessage).toContain(`is already registered in subnet ${netuid} as uid 0`)

    await registerNeuron(t.wallet(2), { registry, netuid, role: 'validator', endpoint: 'https://v.example' })
    const full = await revertOf(
      registerNeuron(t.wallet(3), { registry, netuid, role: 'miner', endpoint: 'http://c.example' }),
    )
    expect(full.shortMessage).toBe(
      `Subnet ${netuid} is full (2 of 2 neurons). Pick another subnet or wait for a slot to free up.`,
    )

    const open = await newSubnet(4)
    for (const endpoint of ['', 'ftp://files.example', 'http://has space.example', 'http:///path-only', 'http://'])
      expect(
        (await revertOf(registerNeuron(t.wallet(4), { registry, netuid: open.netuid, role: 'miner', endpoint })))
          .errorName,
      ).toBe('SubnetRegistryInvalidEndpoint')
  })

  it('refuses registration when the MYC balance is too low', async () => {
    const { netuid } = await newSubnet(4, parseEther('500'))
    const error = await revertOf(
      registerNeuron(t.wallet(1), { registry, netuid, role: 'miner', endpoint: 'http://a.example' }),
    )
    expect(error.errorName).toBe('ERC20InsufficientBalance')
    expect(error.shortMessage).toContain('holds 100 MYC but 500 MYC is needed')
  })

  it('updates endpoints, deregisters, and reuses the freed uid', async () => {
    const { netuid } = await newSubnet(3)
    await registerNeuron(t.wallet(1), { registry, netuid, role: 'miner', endpoint: 'http://one.example' })
    await registerNeuron(t.wallet(2), { registry, netuid, role: 'miner', endpoint: 'http://two.example' })
    await updateEndpoint(t.wallet(1), { registry, netuid, endpoint: 'https://one.example:8443/v1' })
    await deregisterNeuron(t.wallet(2), { registry, netuid })
    expect((await revertOf(deregisterNeuron(t.wallet(2), { registry, netuid }))).errorName).toBe(
      'SubnetRegistryNotRegistered',
    )
    const { uid } = await registerNeuron(t.wallet(3), {
      registry,
      netuid,
      role: 'validator',
      endpoint: 'http://three.example',
    })
    expect(uid).toBe(1)
    const neurons = await getNeurons(t.publicClient, { registry, netuid })
    expect(neurons.map((n) => [n.uid, n.endpoint, n.role])).toEqual([
      [0, 'https://one.example:8443/v1', 'miner'],
      [1, 'http://three.example', 'validator'],
    ])
  })

  it('bounds page sizes', async () => {
    const { netuid } = await newSubnet()
    const error = await readContract(t.publicClient, {
      address: registry,
      abi: subnetRegistryAbi,
      functionName: 'getNeurons',
      args: [netuid, 0n, 0n],
    }).catch((e: Error) => e)
    expect(String(error)).toContain('SubnetRegistryInvalidPageSize')
  })

  it('property: register/deregister sequences keep uids unique, dense and counted', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 4 }), fc.boolean()), { minLength: 1, maxLength: 14 }),
        async (actions) => {
          const id = await t.snapshot()
          try {
            const { netuid } = await newSubnet(3)
            const model = new Map<number, number>() // account -> uid
            for (const [account, register] of actions) {
              const wallet = t.wallet(account)
              const used = new Set(model.values())
              if (register) {
                const attempt = registerNeuron(wallet, {
                  registry,
                  netuid,
                  role: 'miner',
                  endpoint: `http://n${account}.example`,
                })
                if (model.has(account))
                  expect((await revertOf(attempt)).errorName).toBe('SubnetRegistryAlreadyRegistered')
                else if (model.size >= 3) expect((await revertOf(attempt)).errorName).toBe('SubnetRegistrySubnetFull')
                else {
                  const { uid } = await attempt
                  expect(used.has(uid)).toBe(false)
                  expect(uid).toBeLessThan(3)
                  model.set(account, uid)
                }
              } else {
                const attempt = deregisterNeuron(wallet, { registry, netuid })
                if (!model.has(account)) expect((await revertOf(attempt)).errorName).toBe('SubnetRegistryNotRegistered')
                else {
                  await attempt
                  model.delete(account)
                }
              }
            }
            const neurons = await getNeurons(t.publicClient, { registry, netuid })
            expect(new Map(neurons.map((n) => [n.hotkey, n.uid]))).toEqual(
              new Map([...model].map(([account, uid]) => [t.wallet(account).account.address, uid])),
            )
            const [subnet] = (await getSubnets(t.publicClient, { registry })).filter((s) => s.netuid === Number(netuid))
            expect(subnet?.neuronCount).toBe(model.size)
          } finally {
            await t.revert(id)
          }
        },
      ),
      { numRuns: 25 },
    )
  })

  it('property: the TypeScript endpoint check agrees with the contract', async () => {
    const { netuid } = await newSubnet(4)
    const hotkey = t.wallet(1).account
    const printable = fc.string({
      unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
      maxLength: 40,
    })
    const endpoint = fc.oneof(
      fc.tuple(fc.constantFrom('http://', 'https://', 'http:/', 'HTTP://', ''), printable).map(([a, b]) => a + b),
      fc.string({ maxLength: 30 }),
      fc.constantFrom(
        'http://a.b',
        'https://ab',
        'http://ab',
        `http://${'a'.repeat(249)}`,
        `http://${'a'.repeat(250)}`,
      ),
    )
    await fc.assert(
      fc.asyncProperty(endpoint, async (value) => {
        const accepted = await simulateContract(t.publicClient, {
          address: registry,
          abi: subnetRegistryAbi,
          functionName: 'registerNeuron',
          args: [netuid, 0, value, '', 0n],
          account: hotkey,
        }).then(
          () => true,
          (e: Error) => {
            expect(String(e)).toContain('SubnetRegistryInvalidEndpoint')
            return false
          },
        )
        expect(accepted).toBe(isValidEndpoint(value))
      }),
      { numRuns: 300 },
    )
  })
})

describe('subnet lifecycle: parameters, registration cost, history, permits, replacement', () => {
  const write = (index: number, functionName: string, args: unknown[]) =>
    writeContractAndWait(t.wallet(index), { address: registry, abi: subnetRegistryAbi, functionName, args } as never)
  const read = (functionName: string, args: unknown[]) =>
    readContract(t.publicClient, {
      address: registry,
      abi: subnetRegistryAbi,
      functionName,
      args,
    } as never) as Promise<never>
  const register = (index: number, role: 'miner' | 'validator' = 'miner') =>
    registerNeuron(t.wallet(index), { registry, netuid: 1n, role, endpoint: `http://10.0.0.${index}:8000` })
  const mine = (blocks: number) =>
    t.publicClient.request({ method: 'anvil_mine', params: [`0x${blocks.toString(16)}`] } as never)

  it('starts with the default parameters; only the owner changes them, each within its bounds', async () => {
    await newSubnet(4)
    const defaults = await read('getSubnetParams', [1n])
    expect(defaults).toMatchObject({
      tempo: 360,
      kappa: 32_767,
      bondsMovingAverage: 900_000,
      yuma3: true,
      liquidAlpha: true,
      maxValidators: 4,
    })
    const next = { ...(defaults as object), tempo: 20, kappa: 40_000, liquidAlpha: false, activityCutoff: 200 }
    const notOwner = await revertOf(write(1, 'setSubnetParams', [1n, next]))
    expect(notOwner.errorName).toBe('SubnetRegistryNotOwner')
    await write(0, 'setSubnetParams', [1n, next])
    expect(await read('getSubnetParams', [1n])).toMatchObject({ tempo: 20, kappa: 40_000, liquidAlpha: false })
    for (const [field, value] of [
      ['tempo', 1],
      ['kappa', 0],
      ['bondsMovingAverage', 1_000_000],
      ['alphaLow', 60_000],
      ['commitRevealPeriod', 0],
      ['maxValidators', 5],
      ['activityCutoff', 10],
      // Shorter than a commit-reveal round plus the rate limit: (1 + 1) x 20 + 100.
      ['activityCutoff', 139],
    ] as const) {
      const error = await revertOf(write(0, 'setSubnetParams', [1n, { ...next, [field]: value }]))
      expect(error.errorName).toBe('SubnetRegistryInvalidParam')
      expect(error.args?.[0]).toBe(field)
    }
    expect(await read('getSubnetParams', [1n])).toMatchObject({ tempo: 20, kappa: 40_000 })
  })

  it('caps validators at 64 whatever the subnet size, so every epoch dispute stays within 5M gas', async () => {
    // The largest subnet: 256 x 64 = 16,384 cells, the most a dividends dispute checks (bench/disputes.ts).
    await newSubnet(256)
    expect(await read('getSubnetParams', [1n])).toMatchObject({ maxValidators: 64 })
    const params = await read('getSubnetParams', [1n])
    const error = await revertOf(write(0, 'setSubnetParams', [1n, { ...(params as object), maxValidators: 65 }]))
    expect(error.errorName).toBe('SubnetRegistryInvalidParam')
    expect(error.args?.[3]).toBe(64n)
  })

  it('raises the registration cost by 26% per registration and halves it per 1,000 idle blocks, down to the base', async () => {
    await newSubnet(8, parseEther('1'))
    expect(await read('registrationCostNow', [1n])).toBe(parseEther('1'))
    await register(1)
    expect(await read('registrationCostNow', [1n])).toBe(parseEther('1.26'))
    await register(2)
    expect(await read('registrationCostNow', [1n])).toBe(parseEther('1.5876'))
    await mine(1000)
    expect(await read('registrationCostNow', [1n])).toBe(parseEther('1')) // 0.7938 is below the base
  })

  it('remembers who held each uid at every block', async () => {
    await newSubnet(4)
    const { uid } = await register(1)
    const registeredAt = await t.publicClient.getBlockNumber({ cacheTime: 0 })
    await deregisterNeuron(t.wallet(1), { registry, netuid: 1n })
    const leftAt = await t.publicClient.getBlockNumber({ cacheTime: 0 })
    await register(2)
    const hotkey = (i: number) => t.wallet(i).account.address
    expect(await read('neuronAt', [1n, uid, registeredAt - 1n])).toEqual([zeroAddress, 0n])
    expect(await read('neuronAt', [1n, uid, registeredAt])).toEqual([hotkey(1), registeredAt])
    expect(await read('neuronAt', [1n, uid, leftAt])).toEqual([zeroAddress, leftAt])
    expect(await read('neuronAt', [1n, uid, leftAt + 1n])).toEqual([hotkey(2), leftAt + 1n])
  })

  it('gives validators permits until an epoch settles; then permits and replacement follow the epoch', async () => {
    await newSubnet(2)
    const miner = await register(1)
    const validator = await register(2, 'validator')
    expect(await read('hasValidatorPermit', [1n, miner.uid])).toBe(false)
    expect(await read('hasValidatorPermit', [1n, validator.uid])).toBe(true)
    // Full, and no epoch has ranked anyone: a new registration is refused.
    expect((await revertOf(register(3))).errorName).toBe('SubnetRegistrySubnetFull')

    expect((await revertOf(write(1, 'setEpochs', [t.wallet(5).account.address]))).errorName).toBe(
      'SubnetRegistryNotAdmin',
    )
    const notEpochs = await revertOf(write(5, 'applyEpoch', [1n, 0n, [], '0x']))
    expect(notEpochs.errorName).toBe('SubnetRegistryNotEpochs')
    // The deployment wired the Epochs contract once; it cannot be rewired.
    expect((await revertOf(write(0, 'setEpochs', [t.wallet(6).account.address]))).errorName).toBe(
      'SubnetRegistryEpochsAlreadySet',
    )
    const params = await read('getSubnetParams', [1n])
    await write(0, 'setSubnetParams', [1n, { ...(params as object), immunityPeriod: 5 }])
    const snapshot = await t.publicClient.getBlockNumber({ cacheTime: 0 })
    // The epoch gives the permit to the miner's uid and ranks the miner first for pruning.
    // Stand in for the Epochs contract (anvil impersonation) to record a settled epoch.
    const epochs = (await read('epochs', [])) as `0x${string}`
    await t.publicClient.request({ method: 'anvil_impersonateAccount', params: [epochs] } as never)
    await t.publicClient.request({ method: 'anvil_setBalance', params: [epochs, '0xde0b6b3a7640000'] } as never)
    const asEpochs = createWalletClient({ account: epochs, chain: t.chain, transport: http(t.anvil.rpcUrl) })
    await t.publicClient.waitForTransactionReceipt({
      hash: await asEpochs.writeContract({
        address: registry,
        abi: subnetRegistryAbi,
        functionName: 'applyEpoch',
        args: [1n, snapshot, [1n << BigInt(miner.uid)], packUids([miner.uid, validator.uid])],
      }),
    })
    expect(await read('hasValidatorPermit', [1n, miner.uid])).toBe(true)
    expect(await read('hasValidatorPermit', [1n, validator.uid])).toBe(false)
    // Still immune: nobody can be replaced yet.
    expect((await revertOf(register(3))).errorName).toBe('SubnetRegistrySubnetFull')
    await mine(5)
    const replacing = await register(3)
    expect(replacing.uid).toBe(miner.uid)
    expect(await read('isRegistered', [1n, t.wallet(1).account.address])).toBe(false)
    // A permit belongs to the neuron the epoch ranked: the newcomer in the pruned miner's slot does not inherit it.
    expect(await read('hasValidatorPermit', [1n, miner.uid])).toBe(false)
    // The next in the prune order is the validator; the newcomer is not ranked by the old epoch.
    expect((await register(4)).uid).toBe(validator.uid)
    expect((await revertOf(register(6))).errorName).toBe('SubnetRegistrySubnetFull')
  })
})
