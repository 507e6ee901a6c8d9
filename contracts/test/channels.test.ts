/**
 * PaymentChannels through viem against a real anvil: vouchers (payer and session keys), claims one by one and in
 * batches, the close window, every rejection, and accounting invariants over random action sequences.
 *
 * Longer than 400 lines: one anvil and one deployment for every rejection and the property run.
 */
import {
  ContractRevertError,
  claimVoucher,
  claimVouchers,
  closeChannelByPayee,
  depositToChannel,
  getChannel,
  hashVoucher,
  type MycelAddresses,
  openChannel,
  paymentChannelsAbi,
  requestClose,
  type SignedVoucher,
  setSessionSigner,
  signVoucher,
  testUsdAbi,
  type Voucher,
  withdrawChannel,
} from '@mycel/sdk'
import fc from 'fast-check'
import { encodeAbiParameters, hexToBytes, keccak256, parseEther, parseEventLogs, toHex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { readContract } from 'viem/actions'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { devnetAccount } from '../../packages/node/src/devnet/accounts.ts'
import { deployTestContracts, fundAccounts, startTestChain, type TestChain } from '../../test/helpers/chain.ts'

let t: TestChain
let addresses: MycelAddresses
let usd: `0x${string}`
let snap: `0x${string}`
const USD = 1_000_000n // one test dollar (6 decimals)
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

beforeAll(async () => {
  t = await startTestChain()
  addresses = await deployTestContracts(t)
  usd = addresses.testUsd as `0x${string}`
  await fundAccounts(t, addresses, [1, 2, 3, 4, 5], { myc: parseEther('1000'), usd: 1000n * USD })
})
afterAll(async () => t?.stop())
beforeEach(async () => {
  snap = await t.snapshot()
})
afterEach(async () => t.revert(snap))

const domain = () => ({ chainId: 31337, paymentChannels: addresses.paymentChannels })
const payerIndex = 1
const payeeIndex = 2
const payer = () => t.wallet(payerIndex)
const payee = () => t.wallet(payeeIndex)

async function voucher(signerIndexOrKey: number | `0x${string}`, v: Voucher, over = domain()): Promise<SignedVoucher> {
  const account =
    typeof signerIndexOrKey === 'number' ? devnetAccount(signerIndexOrKey) : privateKeyToAccount(signerIndexOrKey)
  return { ...v, signature: await signVoucher(account, over, v) }
}

const v = (channelId: bigint, cumulativeAmount: bigint, cumulativeRequests = 1n, cumulativeUnits = 0n): Voucher => ({
  channelId,
  cumulativeAmount,
  cumulativeRequests,
  cumulativeUnits,
})

const balanceOf = (token: `0x${string}`, who: `0x${string}`) =>
  readContract(t.publicClient, { address: token, abi: testUsdAbi, functionName: 'balanceOf', args: [who] })

async function revertOf(promise: Promise<unknown>): Promise<ContractRevertError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ContractRevertError)
  return error as ContractRevertError
}

const open = (amount = 10n * USD, extra: { sessionSigner?: `0x${string}`; sessionCap?: bigint } = {}) =>
  openChannel(payer(), {
    paymentChannels: addresses.paymentChannels,
    payee: payee().account.address,
    token: usd,
    amount,
    ...extra,
  })

describe('vouchers', () => {
  it('property: the SDK hashes vouchers exactly as the contract does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
        fc.bigInt({ min: 0n, max: 2n ** 96n - 1n }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        async (channelId, cumulativeAmount, cumulativeRequests, cumulativeUnits) => {
          const onChain = await readContract(t.publicClient, {
            address: addresses.paymentChannels,
            abi: paymentChannelsAbi,
            functionName: 'voucherDigest',
            args: [channelId, cumulativeAmount, cumulativeRequests, cumulativeUnits],
          })
          expect(hashVoucher(domain(), { channelId, cumulativeAmount, cumulativeRequests, cumulativeUnits })).toBe(
            onChain,
          )
        },
      ),
      { numRuns: 150 },
    )
  })
})

describe('PaymentChannels', () => {
  it('opens with a deposit and pays the payee the difference of each newer voucher, metering usage', async () => {
    const { channelId } = await open()
    const before = await balanceOf(usd, payee().account.address)
    const first = await claimVoucher(payee(), {
      paymentChannels: addresses.paymentChannels,
      voucher: await voucher(payerIndex, v(channelId, 3n * USD, 3n, 120n)),
    })
    expect(first.paid).toBe(3n * USD)
    const { hash, paid } = await claimVoucher(payee(), {
      paymentChannels: addresses.paymentChannels,
      voucher: await voucher(payerIndex, v(channelId, 5n * USD, 7n, 400n)),
    })
    expect(paid).toBe(2n * USD)
    expect(await balanceOf(usd, payee().account.address)).toBe(before + 5n * USD)
    const receipt = await t.publicClient.getTransactionReceipt({ hash })
    const [event] = parseEventLogs({ abi: paymentChannelsAbi, eventName: 'ChannelClaimed', logs: receipt.logs })
    expect(event?.args).toMatchObject({
      channelId,
      amount: 2n * USD,
      claimed: 5n * USD,
      cumulativeRequests: 7n,
      cumulativeUnits: 400n,
    })
    expect(await getChannel(t.publicClient, { paymentChannels: addresses.paymentChannels, channelId })).toMatchObject({
      deposit: 10n * USD,
      claimed: 5n * USD,
      closesAt: 0n,
    })
  })

  it('rejects replayed, non-increasing and over-deposit vouchers', async () => {
    const { channelId } = await open(2n * USD)
    const good = await voucher(payerIndex, v(channelId, USD))
    await claimVoucher(payee(), { paymentChannels: addresses.paymentChannels, voucher: good })
    const replay = await revertOf(claimVoucher(payee(), { paymentChannels: addresses.paymentChannels, voucher: good }))
    expect(replay.errorName).toBe('PaymentChannelsVoucherTooLow')
    expect(replay.shortMessage).toBe(
      `The voucher for channel ${channelId} carries 1000000, not more than the 1000000 already claimed.`,
    )
    const lower = await voucher(payerIndex, v(channelId, USD / 2n))
    expect(
      (await revertOf(claimVoucher(payee(), { paymentChannels: addresses.paymentChannels, voucher: lower }))).errorName,
    ).toBe('PaymentChannelsVoucherTooLow')
    const over = await voucher(payerIndex, v(channelId, 3n * USD))
    expect(
      (await revertOf(claimVoucher(payee(), { paymentChannels: addresses.paymentChannels, voucher: over }))).errorName,
    ).toBe('PaymentChannelsVoucherOverDeposit')
  })

  it('accepts a session key within its cap, and nothing from other keys, chains or contracts', async () => {
    const hotKey = generatePrivateKey()
    const hot = privateKeyToAccount(hotKey)
    const { channelId } = await open(10n * USD, { sessionSigner: hot.address, sessionCap: 4n * USD })
    const pc = addresses.paymentChannels
    expect(
      (await claimVoucher(payee(), { paymentChannels: pc, voucher: await voucher(hotKey, v(channelId, 4n * USD)) }))
        .paid,
    ).toBe(4n * USD)
    const capped = await revertOf(
      claimVoucher(payee(), { paymentChannels: pc, voucher: await voucher(hotKey, v(channelId, 5n * USD)) }),
    )
    expect(capped.errorName).toBe('PaymentChannelsSessionCapExceeded')
    // The payer's own key is not capped.
    expect(
      (await claimVoucher(payee(), { paymentChannels: pc, voucher: await voucher(payerIndex, v(channelId, 6n * USD)) }))
        .paid,
    ).toBe(2n * USD)

    const stranger = await revertOf(
      claimVoucher(payee(), { paymentChannels: pc, voucher: await voucher(3, v(channelId, 7n * USD)) }),
    )
    expect(stranger.errorName).toBe('PaymentChannelsInvalidSigner')
    expect(stranger.args[1]).toBe(devnetAccount(3).address)
    const wrongChain = await voucher(payerIndex, v(channelId, 7n * USD), { chainId: 1, paymentChannels: pc })
    expect((await revertOf(claimVoucher(payee(), { paymentChannels: pc, voucher: wrongChain }))).errorName).toBe(
      'PaymentChannelsInvalidSigner',
    )
    const wrongContract = await voucher(payerIndex, v(channelId, 7n * USD), {
      chainId: 31337,
      paymentChannels: addresses.mycelToken,
    })
    expect((await revertOf(claimVoucher(payee(), { paymentChannels: pc, voucher: wrongContract }))).errorName).toBe(
      'PaymentChannelsInvalidSigner',
    )
    const wrongChannel = await voucher(payerIndex, v(channelId + 1n, 7n * USD))
    expect(
      (await revertOf(claimVoucher(payee(), { paymentChannels: pc, voucher: { ...wrongChannel, channelId } })))
        .errorName,
    ).toBe('PaymentChannelsInvalidSigner')
    // The high-s twin of a valid signature (same signer, by the math) is refused, as the node's verifier does.
    const valid = await voucher(payerIndex, v(channelId, 7n * USD))
    const bytes = hexToBytes(valid.signature)
    bytes.set(hexToBytes(toHex(SECP256K1_N - BigInt(toHex(bytes.subarray(32, 64))), { size: 32 })), 32)
    bytes[64] = bytes[64] === 27 ? 28 : 27
    const twin = await revertOf(
      claimVoucher(payee(), { paymentChannels: pc, voucher: { ...valid, signature: toHex(bytes) } }),
    )
    expect(twin.errorName).toBe('PaymentChannelsInvalidSigner')
    const garbage = { ...(await voucher(payerIndex, v(channelId, 7n * USD))), signature: '0x1234' as const }
    expect((await revertOf(claimVoucher(payee(), { paymentChannels: pc, voucher: garbage }))).errorName).toBe(
      'PaymentChannelsInvalidSigner',
    )

    // Rotating or removing the session key never voids vouchers already signed: the change waits one challenge
    // period, during which the old key (within its cap) and the new key are both honoured.
    await setSessionSigner(payer(), {
      paymentChannels: pc,
      channelId,
      signer: devnetAccount(4).address,
      cap: 10n * USD,
    })
    const pending = await readContract(t.publicClient, {
      address: pc,
      abi: paymentChannelsAbi,
      functionName: 'getPendingSessionSigner',
      args: [channelId],
    })
    expect(pending.signer).toBe(devnetAccount(4).address)
    await setSessionSigner(payer(), {
      paymentChannels: pc,
      channelId,
      signer: '0x0000000000000000000000000000000000000000',
      cap: 0n,
    })
    // The payer tries to void the hot key's vouchers: the hot key still pays within its cap during the window.
    const hotStill = await revertOf(
      claimVoucher(payee(), { paymentChannels: pc, voucher: await voucher(hotKey, v(channelId, 7n * USD)) }),
    )
    expect(hotStill.errorName).toBe('PaymentChannelsSessionCapExceeded') // 7 > its cap of 4: the cap still applies
    await setSessionSigner(payer(), {
      paymentChannels: pc,
      channelId,
      signer: devnetAccount(4).address,
      cap: 10n * USD,
    })
    expect(
      (await claimVoucher(payee(), { paymentChannels: pc, voucher: await voucher(4, v(channelId, 7n * USD)) })).paid,
    ).toBe(USD)
    // After the window the change applies: the old key is retired.
    await t.increaseTime(3601)
    expect(
      (
        await revertOf(
          claimVoucher(payee(), { paymentChannels: pc, voucher: await voucher(hotKey, v(channelId, 8n * USD)) }),
        )
      ).errorName,
    ).toBe('PaymentChannelsInvalidSigner')
    expect(
      (await claimVoucher(payee(), { paymentChannels: pc, voucher: await voucher(4, v(channelId, 8n * USD)) })).paid,
    ).toBe(USD)
  })

  it('keeps a session key honoured for a challenge period after the payer removes it', async () => {
    const pc = addresses.paymentChannels
    const hotKey = generatePrivateKey()
    const { channelId } = await open(10n * USD, {
      sessionSigner: privateKeyToAccount(hotKey).address,
      sessionCap: 5n * USD,
    })
    const served = await voucher(hotKey, v(channelId, 3n * USD, 300n))
    await setSessionSigner(payer(), {
      paymentChannels: pc,
      channelId,
      signer: '0x0000000000000000000000000000000000000000',
      cap: 0n,
    })
    await requestClose(payer(), { paymentChannels: pc, channelId })
    expect((await claimVoucher(payee(), { paymentChannels: pc, voucher: served })).paid).toBe(3n * USD)
    // v = 0/1 signatures never verify on chain (OpenZeppelin passes v to ecrecover unchanged).
    const zeroV = { ...(await voucher(payerIndex, v(channelId, 4n * USD))) }
    zeroV.signature = `${zeroV.signature.slice(0, 130)}${zeroV.signature.endsWith('1b') ? '00' : '01'}` as `0x${string}`
    expect((await revertOf(claimVoucher(payee(), { paymentChannels: pc, voucher: zeroV }))).errorName).toBe(
      'PaymentChannelsInvalidSigner',
    )
  })

  it('skips already-settled entries in a batch instead of failing it', async () => {
    const pc = addresses.paymentChannels
    const first = await open(5n * USD)
    const second = await open(5n * USD)
    const a = await voucher(payerIndex, v(first.channelId, 2n * USD))
    const b = await voucher(payerIndex, v(second.channelId, 3n * USD))
    await claimVoucher(payee(), { paymentChannels: pc, voucher: a }) // a watcher front-runs one entry
    const { paid } = await claimVouchers(payee(), { paymentChannels: pc, vouchers: [a, b] })
    expect(paid).toBe(3n * USD)
  })

  it('lets the payee claim inside the close window over a stale close, then refunds the rest to the payer', async () => {
    const pc = addresses.paymentChannels
    const { channelId } = await open(10n * USD)
    await depositToChannel(payer(), { paymentChannels: pc, channelId, amount: 2n * USD })
    const latest = await voucher(payerIndex, v(channelId, 7n * USD, 70n))
    const payerBefore = await balanceOf(usd, payer().account.address)
    const { closesAt } = await requestClose(payer(), { paymentChannels: pc, channelId })
    expect((await revertOf(depositToChannel(payer(), { paymentChannels: pc, channelId, amount: USD }))).errorName).toBe(
      'PaymentChannelsClosing',
    )
    const early = await revertOf(withdrawChannel(payer(), { paymentChannels: pc, channelId }))
    expect(early.shortMessage).toBe(
      `Channel ${channelId} can be withdrawn only after its challenge window ends at unix time ${closesAt}.`,
    )
    // The miner's latest voucher wins over the payer's attempt to leave.
    expect((await claimVoucher(payee(), { paymentChannels: pc, voucher: latest })).paid).toBe(7n * USD)
    await t.increaseTime(3601)
    const late = await revertOf(
      claimVoucher(payee(), { paymentChannels: pc, voucher: await voucher(payerIndex, v(channelId, 8n * USD)) }),
    )
    expect(late.errorName).toBe('PaymentChannelsChallengeWindowOver')
    const { refunded } = await withdrawChannel(payer(), { paymentChannels: pc, channelId })
    expect(refunded).toBe(5n * USD)
    expect(await balanceOf(usd, payer().account.address)).toBe(payerBefore + 5n * USD)
    expect((await revertOf(getChannel(t.publicClient, { paymentChannels: pc, channelId }))).errorName).toBe(
      'PaymentChannelsUnknownChannel',
    )
  })

  it('leaves no storage behind when a channel with a session key and a scheduled change closes', async () => {
    const pc = addresses.paymentChannels
    const hotKey = generatePrivateKey()
    const { channelId } = await open(6n * USD, { sessionSigner: privateKeyToAccount(hotKey).address, sessionCap: USD })
    await setSessionSigner(payer(), { paymentChannels: pc, channelId, signer: devnetAccount(4).address, cap: USD })
    // Mapping slots: _channels at 3 and _pendingSigners at 4 (after _channelCount and EIP712's two fallback
    // strings). The test checks that assumption against live data before relying on it.
    const base = (mappingSlot: bigint) =>
      BigInt(keccak256(encodeAbiParameters([{ type: 'uint256' }, { type: 'uint256' }], [channelId, mappingSlot])))
    const slotsOf = () =>
      Promise.all(
        [0n, 1n, 2n, 3n]
          .map((i) => base(3n) + i)
          .concat(base(4n))
          .map((slot) => t.publicClient.getStorageAt({ address: pc, slot: toHex(slot, { size: 32 }) })),
      )
    const before = await slotsOf()
    expect(before[0]?.toLowerCase().endsWith(payer().account.address.slice(2).toLowerCase())).toBe(true)
    expect(before[4]?.toLowerCase().endsWith(devnetAccount(4).address.slice(2).toLowerCase())).toBe(true)
    await claimVoucher(payee(), { paymentChannels: pc, voucher: await voucher(hotKey, v(channelId, USD)) })
    expect((await closeChannelByPayee(payee(), { paymentChannels: pc, channelId })).refunded).toBe(5n * USD)
    for (const slot of await slotsOf()) expect(BigInt(slot ?? '0x0')).toBe(0n)
  })

  it('lets the payee close cooperatively, and only the right party act', async () => {
    const pc = addresses.paymentChannels
    const { channelId } = await open(4n * USD)
    expect((await revertOf(requestClose(payee(), { paymentChannels: pc, channelId }))).errorName).toBe(
      'PaymentChannelsNotPayer',
    )
    expect((await revertOf(closeChannelByPayee(payer(), { paymentChannels: pc, channelId }))).errorName).toBe(
      'PaymentChannelsNotPayee',
    )
    expect((await revertOf(withdrawChannel(payer(), { paymentChannels: pc, channelId }))).errorName).toBe(
      'PaymentChannelsNotClosing',
    )
    await claimVoucher(payee(), { paymentChannels: pc, voucher: await voucher(payerIndex, v(channelId, USD)) })
    const payerBefore = await balanceOf(usd, payer().account.address)
    expect((await closeChannelByPayee(payee(), { paymentChannels: pc, channelId })).refunded).toBe(3n * USD)
    expect(await balanceOf(usd, payer().account.address)).toBe(payerBefore + 3n * USD)
  })

  it('claims a batch across tokens with one transfer per token, and refuses batches it cannot pay to the caller', async () => {
    const pc = addresses.paymentChannels
    const ids: bigint[] = []
    const tokens = new Map<bigint, `0x${string}`>()
    for (const [index, token] of [
      [1, usd],
      [3, addresses.mycelToken],
      [4, usd],
    ] as const) {
      const { channelId } = await openChannel(t.wallet(index), {
        paymentChannels: pc,
        payee: payee().account.address,
        token,
        amount: 5n * USD,
      })
      ids.push(channelId)
      tokens.set(channelId, token)
    }
    const vouchers = await Promise.all(ids.map((id, i) => voucher([1, 3, 4][i] as number, v(id, BigInt(i + 1) * USD))))
    const usdBefore = await balanceOf(usd, payee().account.address)
    const { hash, paid } = await claimVouchers(payee(), { paymentChannels: pc, vouchers, tokens })
    expect(paid).toBe(6n * USD)
    expect(await balanceOf(usd, payee().account.address)).toBe(usdBefore + 4n * USD)
    const receipt = await t.publicClient.getTransactionReceipt({ hash })
    const transfers = parseEventLogs({ abi: testUsdAbi, eventName: 'Transfer', logs: receipt.logs })
    expect(transfers).toHaveLength(2) // tUSD once (two channels), MYC once

    expect(
      (
        await revertOf(
          claimVouchers(payer(), { paymentChannels: pc, vouchers: [await voucher(1, v(ids[0] as bigint, 2n * USD))] }),
        )
      ).errorName,
    ).toBe('PaymentChannelsNotPayee')
    expect((await revertOf(claimVouchers(payee(), { paymentChannels: pc, vouchers: [] }))).errorName).toBe(
      'PaymentChannelsEmptyBatch',
    )
  })

  it('rejects bad openings', async () => {
    const pc = addresses.paymentChannels
    const zero = await revertOf(
      openChannel(payer(), { paymentChannels: pc, payee: payee().account.address, token: usd, amount: 0n }),
    )
    expect(zero.errorName).toBe('PaymentChannelsZeroAmount')
    const big = await revertOf(
      openChannel(payer(), { paymentChannels: pc, payee: payee().account.address, token: usd, amount: 2n ** 96n }),
    )
    expect(big.errorName).toBe('PaymentChannelsAmountTooLarge')
    const broke = await revertOf(
      openChannel(payer(), { paymentChannels: pc, payee: payee().account.address, token: usd, amount: 5000n * USD }),
    )
    expect(broke.errorName).toBe('ERC20InsufficientBalance')
  })
})

describe('PaymentChannels invariants', () => {
  type Action =
    | { kind: 'open'; payer: number; amount: bigint }
    | { kind: 'pay'; channel: number; amount: bigint }
    | { kind: 'claim'; channel: number; stale: boolean }
    | { kind: 'deposit'; channel: number; amount: bigint }
    | { kind: 'close'; channel: number }
    | { kind: 'wait' }
    | { kind: 'withdraw'; channel: number }

  // Weighted so that every run pays, claims and closes often enough to test something.
  const action: fc.Arbitrary<Action> = fc.oneof(
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('open' as const),
        payer: fc.integer({ min: 1, max: 3 }),
        amount: fc.bigInt({ min: 1n, max: 50n * USD }),
      }),
    },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('pay' as const),
        channel: fc.nat(3),
        amount: fc.bigInt({ min: 1n, max: 20n * USD }),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant('claim' as const), channel: fc.nat(3), stale: fc.boolean() }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('deposit' as const),
        channel: fc.nat(3),
        amount: fc.bigInt({ min: 1n, max: 10n * USD }),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('close' as const), channel: fc.nat(3) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'wait' as const }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('withdraw' as const), channel: fc.nat(3) }) },
  )

  // Random middles between a fixed start (a channel that pays and is claimed) and a fixed end (it closes and is
  // withdrawn), so every run moves money through the whole life at least once.
  const sequence = fc
    .array(action, { minLength: 2, maxLength: 20 })
    .map((middle): Action[] => [
      { kind: 'open', payer: 1, amount: 30n * USD },
      { kind: 'pay', channel: 0, amount: USD },
      { kind: 'claim', channel: 0, stale: false },
      ...middle,
      { kind: 'close', channel: 0 },
      { kind: 'wait' },
      { kind: 'withdraw', channel: 0 },
    ])

  it('property: tokens are conserved, a channel never pays more than its deposit, and claims never decrease', async () => {
    const pc = addresses.paymentChannels
    const people = [1, 2, 3].map((i) => t.wallet(i).account.address)
    const holdings = async () => {
      const balances = await Promise.all([...people, pc].map((who) => balanceOf(usd, who)))
      return balances.reduce((a, b) => a + b, 0n)
    }
    const succeeded = { claim: 0, withdraw: 0 }
    await fc.assert(
      fc.asyncProperty(sequence, async (actions) => {
        const id = await t.snapshot()
        try {
          const total = await holdings()
          type Model = {
            id: bigint
            payer: number
            owed: bigint
            vouchers: SignedVoucher[]
            lastClaimed: bigint
            expectedClaimed: bigint
          }
          const channels: Model[] = []
          for (const a of actions) {
            const c = 'channel' in a ? channels[a.channel % Math.max(channels.length, 1)] : undefined
            const attempt = async (p: Promise<unknown>, kind?: keyof typeof succeeded) =>
              p.then(
                () => {
                  if (kind) succeeded[kind] += 1
                },
                (e: unknown) => expect(e).toBeInstanceOf(ContractRevertError),
              )
            if (a.kind === 'open') {
              const opened = await openChannel(t.wallet(a.payer), {
                paymentChannels: pc,
                payee: payee().account.address,
                token: usd,
                amount: a.amount,
              }).catch((e: unknown) => expect(e).toBeInstanceOf(ContractRevertError))
              if (opened)
                channels.push({
                  id: opened.channelId,
                  payer: a.payer,
                  owed: 0n,
                  vouchers: [],
                  lastClaimed: 0n,
                  expectedClaimed: 0n,
                })
            } else if (a.kind === 'wait') {
              await t.increaseTime(3601)
            } else if (c && a.kind === 'pay') {
              c.owed += a.amount
              c.vouchers.push(await voucher(c.payer, v(c.id, c.owed, BigInt(c.vouchers.length + 1))))
            } else if (c && a.kind === 'claim' && c.vouchers.length > 0) {
              const pick = (a.stale ? c.vouchers[0] : c.vouchers[c.vouchers.length - 1]) as SignedVoucher
              const outcome = await claimVoucher(payee(), { paymentChannels: pc, voucher: pick }).then(
                (r) => r,
                (e: unknown) => {
                  expect(e).toBeInstanceOf(ContractRevertError)
                  return undefined
                },
              )
              if (outcome) {
                // A claim pays exactly the voucher minus what was claimed before, and only a higher voucher pays.
                expect(pick.cumulativeAmount).toBeGreaterThan(c.lastClaimed)
                expect(outcome.paid).toBe(pick.cumulativeAmount - c.lastClaimed)
                c.expectedClaimed = pick.cumulativeAmount
                succeeded.claim += 1
              }
            } else if (c && a.kind === 'deposit') {
              await attempt(
                depositToChannel(t.wallet(c.payer), { paymentChannels: pc, channelId: c.id, amount: a.amount }),
              )
            } else if (c && a.kind === 'close') {
              await attempt(requestClose(t.wallet(c.payer), { paymentChannels: pc, channelId: c.id }))
            } else if (c && a.kind === 'withdraw') {
              await attempt(withdrawChannel(t.wallet(c.payer), { paymentChannels: pc, channelId: c.id }), 'withdraw')
            }
            // Invariants after every step.
            expect(await holdings()).toBe(total)
            let locked = 0n
            for (const m of channels) {
              const live = await getChannel(t.publicClient, { paymentChannels: pc, channelId: m.id }).catch(
                () => undefined,
              )
              if (!live) continue
              expect(live.claimed).toBeLessThanOrEqual(live.deposit)
              expect(live.claimed).toBeGreaterThanOrEqual(m.lastClaimed)
              expect(live.claimed).toBe(m.expectedClaimed) // exactly the highest voucher that was paid
              m.lastClaimed = live.claimed
              locked += live.deposit - live.claimed
            }
            expect(await balanceOf(usd, pc)).toBe(locked)
          }
        } finally {
          await t.revert(id)
        }
      }),
      { numRuns: 40 },
    )
    // The sequences really moved money, not only failed.
    expect(succeeded.claim).toBeGreaterThan(0)
    expect(succeeded.withdraw).toBeGreaterThan(0)
  }, 180_000)
})
