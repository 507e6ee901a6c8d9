/**
 * `mycel balance`: one account's wallet on a real chain, set up through the SDK as users would leave it (funded,
 * registered and staked, part unstaked, dividends paid into Staking, channels paid and paid by), and printed by the
 * CLI exactly as the chain holds it.
 */
import { rmSync } from 'node:fs'
import { writeDeployments } from '@mycel/node'
import {
  claimVoucher,
  createSubnet,
  ensureAllowance,
  type MycelAddresses,
  mycelTokenAbi,
  openChannel,
  registerNeuron,
  signVoucher,
  stake,
  stakingAbi,
  unstake,
  writeContractAndWait,
} from '@mycel/sdk'
import { createWalletClient, http, parseEther } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  deployTestContracts,
  fundAccounts,
  startTestChain,
  type TestChain,
  tempDir,
} from '../../../test/helpers/chain.ts'
import { runCli } from '../../../test/helpers/cli.ts'
import { devnetAccount } from '../../node/src/devnet/accounts.ts'

const dataDir = tempDir('mycel-balance-')
let t: TestChain
let addresses: MycelAddresses
let netuid: bigint
const me = devnetAccount(5).address
const USD = 1_000_000n

beforeAll(async () => {
  t = await startTestChain()
  addresses = await deployTestContracts(t)
  writeDeployments(dataDir, {
    chainId: 31337,
    method: 'create2',
    deployer: devnetAccount(0).address,
    treasury: devnetAccount(0).address,
    deployedAt: new Date().toISOString(),
    contracts: Object.fromEntries(
      Object.entries(addresses).map(([name, address]) => [name, { address, codeHash: '0x00' }]),
    ) as never,
  })
  await fundAccounts(t, addresses, [5, 3], { myc: parseEther('100'), usd: 50n * USD })
  ;({ netuid } = await createSubnet(t.wallet(0), {
    registry: addresses.subnetRegistry,
    name: 'wallet',
    taskType: 't',
    scoringSpecCid: 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy',
    maxNeurons: 4,
    registrationCost: 0n,
  }))
  const mine = t.wallet(5)
  await registerNeuron(mine, {
    registry: addresses.subnetRegistry,
    netuid,
    role: 'validator',
    endpoint: 'http://127.0.0.1:9000',
  })
  await stake(mine, { staking: addresses.staking, netuid, hotkey: me, amount: parseEther('30') })
  await unstake(mine, { staking: addresses.staking, netuid, hotkey: me, amount: parseEther('10') })
  // Dividends paid to this validator through Staking as an epoch claim pays them: from the Epochs contract (the
  // only payer Staking takes), impersonated on anvil, for the stake of the block before.
  const epochs = createWalletClient({ account: addresses.epochs, chain: t.chain, transport: http(t.anvil.rpcUrl) })
  await t.publicClient.request({ method: 'anvil_impersonateAccount', params: [addresses.epochs] } as never)
  await t.publicClient.request({ method: 'anvil_setBalance', params: [addresses.epochs, '0xde0b6b3a7640000'] } as never)
  await writeContractAndWait(t.wallet(0), {
    address: addresses.mycelToken,
    abi: mycelTokenAbi,
    functionName: 'transfer',
    args: [addresses.epochs, parseEther('8')],
  })
  await ensureAllowance(epochs as never, addresses.mycelToken, addresses.staking, parseEther('8'))
  await writeContractAndWait(epochs as never, {
    address: addresses.staking,
    abi: stakingAbi,
    functionName: 'distribute',
    args: [netuid, me, parseEther('8'), (await t.publicClient.getBlockNumber()) - 1n],
  })
  // A channel it pays (5 tUSD to account 2), and one that pays it (2 MYC from account 3, 0.5 claimed).
  await openChannel(mine, {
    paymentChannels: addresses.paymentChannels,
    payee: devnetAccount(2).address,
    token: addresses.testUsd as `0x${string}`,
    amount: 5n * USD,
  })
  const { channelId } = await openChannel(t.wallet(3), {
    paymentChannels: addresses.paymentChannels,
    payee: me,
    token: addresses.mycelToken,
    amount: parseEther('2'),
  })
  const voucher = { channelId, cumulativeAmount: parseEther('0.5'), cumulativeRequests: 1n, cumulativeUnits: 0n }
  const signature = await signVoucher(
    devnetAccount(3),
    { chainId: 31337, paymentChannels: addresses.paymentChannels },
    voucher,
  )
  await claimVoucher(mine, { paymentChannels: addresses.paymentChannels, voucher: { ...voucher, signature } })
})
afterAll(async () => {
  await t?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

const cli = (...args: string[]) => runCli(['--data-dir', dataDir, '--rpc', t.anvil.rpcUrl, ...args])

describe('mycel balance', () => {
  it('prints balances, stake, unstaking, channels on both sides and claimable emissions (--json)', async () => {
    const result = await cli('balance', me, '--json')
    expect(result.stderr).toBe('')
    const wallet = JSON.parse(result.stdout)
    const eth = await t.publicClient.getBalance({ address: me })
    expect(wallet).toMatchObject({
      chainId: 31337,
      account: me,
      balances: { eth: eth.toString(), myc: parseEther('70.5').toString(), testUsd: (45n * USD).toString() },
      stake: [{ netuid: Number(netuid), hotkey: me, amount: parseEther('20').toString() }],
      unstaking: { unlocked: '0', locked: parseEther('10').toString() },
      channels: {
        asPayer: [
          {
            payee: devnetAccount(2).address,
            symbol: 'tUSD',
            deposit: (5n * USD).toString(),
            claimed: '0',
            remaining: (5n * USD).toString(),
            state: 'open',
          },
        ],
        asPayee: [
          {
            payer: devnetAccount(3).address,
            symbol: 'MYC',
            deposit: parseEther('2').toString(),
            claimed: parseEther('0.5').toString(),
            remaining: parseEther('1.5').toString(),
            state: 'open',
          },
        ],
      },
    })
    // All 8 MYC of dividends are its own: the take, and the rest to the only stake on it (its own), less rounding.
    const claimable = BigInt(wallet.claimable.total)
    expect(claimable).toBeLessThanOrEqual(parseEther('8'))
    expect(claimable).toBeGreaterThan(parseEther('8') - 1000n)
    expect(wallet.claimable.positions).toEqual([{ netuid: Number(netuid), hotkey: me, amount: claimable.toString() }])
  })

  it('prints it for people, for the devnet account by default, and refuses what is not an address', async () => {
    const human = await cli('balance', '--dev-account', '5')
    expect(human.stdout).toContain(`${me} on chain 31337`)
    expect(human.stdout).toMatch(/^ {2}MYC: +70\.5$/m)
    expect(human.stdout).toMatch(/^ {2}tUSD: +45$/m)
    expect(human.stdout).toMatch(new RegExp(`^${netuid} +${me} +20 MYC$`, 'm'))
    expect(human.stdout).toContain('unstaking: 0 MYC unlocked (withdrawable), 10 MYC still locked')
    expect(human.stdout).toMatch(new RegExp(`pays +${devnetAccount(2).address} +open +5 tUSD +0 tUSD +5 tUSD`))
    expect(human.stdout).toMatch(
      new RegExp(`is paid by +${devnetAccount(3).address} +open +2 MYC +0\\.5 MYC +1\\.5 MYC`),
    )
    expect(human.stdout).toMatch(/^total: 7\.99\d* MYC$|^total: 8 MYC$/m)

    const fresh = await cli('balance')
    expect(fresh.stdout).toContain(`${devnetAccount(0).address} on chain 31337`)
    expect(fresh.stdout).toContain('stake: none')
    expect(fresh.stdout).toContain('claimable emissions (rewards waiting in Staking): none')

    const bad = await cli('balance', '0x1234')
    expect(bad.code).toBe(2)
    expect(bad.stderr.trim()).toBe('mycel: "0x1234" is not an address (0x and 40 hex digits).')
  })
})
