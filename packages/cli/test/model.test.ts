/**
 * `mycel model` as a user runs it (the real bin, in a child process) against a real anvil with the mycel contracts
 * (TestUSD included) recorded in a fresh data dir: register a model from a weights file with a terms file → a miner
 * buys a license → the owner fractionalizes → delegates → proposes a price change → votes (time travel with anvil's
 * evm_increaseTime) → queue → execute → `model show` prints the new minimum price; royalties collect and withdraw.
 * Errors: a bad terms file names its field, an unknown model names the id, a second vote is refused by name.
 */
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeDeployments } from '@mycel/node'
import { DEVNET_GOVERNANCE, deployMycel, testUsdAbi, writeContractAndWait } from '@mycel/sdk'
import { parseEther } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startTestChain, type TestChain, tempDir } from '../../../test/helpers/chain.ts'
import { runCli } from '../../../test/helpers/cli.ts'

const dataDir = tempDir('mycel-cli-model-')
let t: TestChain
let rpc: string

const cli = (...args: string[]) => runCli(['--data-dir', dataDir, '--rpc', rpc, ...args], { timeoutMs: 120_000 })
const json = <shape = Record<string, unknown>>(stdout: string) => JSON.parse(stdout) as shape

const weights = join(dataDir, 'digits.onnx')
const termsFile = join(dataDir, 'terms.json')
const terms = {
  commercialUse: true,
  derivativesAllowed: true,
  attribution: true,
  royaltyBps: 1000,
  minPricePerRequest: '1000',
  currency: 'tusd',
  licenseDuration: 0,
  mintFee: '5000000',
}

beforeAll(async () => {
  t = await startTestChain()
  rpc = t.anvil.rpcUrl
  const wallet = t.wallet(0)
  const result = await deployMycel(wallet, {
    treasury: wallet.account.address,
    initialSupply: parseEther('1000000'),
    testStablecoin: true,
  })
  writeDeployments(dataDir, {
    chainId: t.chain.id,
    method: result.method,
    deployer: wallet.account.address,
    treasury: wallet.account.address,
    deployedAt: new Date().toISOString(),
    contracts: result.contracts,
  })
  await writeContractAndWait(wallet, {
    address: result.addresses.testUsd as `0x${string}`,
    abi: testUsdAbi,
    functionName: 'mint',
    args: [t.wallet(2).account.address, 100_000_000n],
  })
  writeFileSync(
    weights,
    new Uint8Array(4096).map((_, i) => (i * 31) % 251),
  )
  writeFileSync(termsFile, JSON.stringify(terms))
}, 120_000)
afterAll(async () => {
  await t?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

describe('mycel model', () => {
  it('has help for every subcommand', async () => {
    for (const args of [
      ['model'],
      ['model', 'register'],
      ['model', 'govern', 'propose'],
      ['model', 'license', 'buy'],
    ]) {
      const help = await runCli([...args, '--help'])
      expect(help.code, args.join(' ')).toBe(0)
      expect(help.stdout).toContain('Usage: mycel')
    }
  }, 120_000)

  it('refuses a bad terms file by field, and an unknown model by id', async () => {
    const bad = join(dataDir, 'bad.json')
    writeFileSync(bad, JSON.stringify({ ...terms, royaltyBps: 20000 }))
    const result = await cli('model', 'register', weights, '--license', bad, '--dev-account', '1')
    expect(result.code).toBe(2)
    expect(result.stderr).toContain('"royaltyBps" must be an integer from 0 to 10000; got 20000')
    writeFileSync(bad, JSON.stringify({ ...terms, royalty: 5 }))
    expect((await cli('model', 'register', weights, '--license', bad, '--dev-account', '1')).stderr).toContain(
      '"royalty" must be one of commercialUse',
    )
    writeFileSync(bad, '{ not json')
    expect((await cli('model', 'register', weights, '--license', bad, '--dev-account', '1')).stderr).toContain(
      'is not valid JSON',
    )
    const unknown = await cli('model', 'show', '99', '--json')
    expect(unknown.code).toBe(1)
    expect(json<{ error: { message: string } }>(unknown.stdout).error.message).toContain('Model 99 does not exist')
  }, 120_000)

  it('register → license buy → fractionalize → delegate → propose → vote → queue → execute → show the new price', async () => {
    const registered = await cli(
      'model',
      'register',
      weights,
      '--license',
      termsFile,
      '--name',
      'digits',
      '--dev-account',
      '1',
      '--json',
    )
    expect(registered.code, registered.stderr).toBe(0)
    const reg = json<{ modelId: string; weightsCid: string; format: string }>(registered.stdout)
    expect(reg.modelId).toBe('1')
    expect(reg.format).toBe('onnx')
    expect(reg.weightsCid).toMatch(/^bafk/) // CIDv1, raw leaves, as the node stores models

    // A bound on the fee: above it nothing is bought; a bound that is not a number is a usage error.
    const tooDear = await cli('model', 'license', 'buy', '1', '--max-fee', '4999999', '--dev-account', '2')
    expect(tooDear.code).toBe(1)
    expect(tooDear.stderr).toContain("Model 1's mint fee is 5000000 units, above --max-fee 4999999")
    expect((await cli('model', 'license', 'buy', '1', '--max-fee', '5 tUSD', '--dev-account', '2')).code).toBe(2)
    const bought = await cli('model', 'license', 'buy', '1', '--max-fee', '5000000', '--dev-account', '2', '--json')
    expect(bought.code, bought.stderr).toBe(0)
    expect(json<{ licenseId: string; fee: string; royaltyBps: number }>(bought.stdout)).toMatchObject({
      licenseId: '1',
      fee: '5000000',
      royaltyBps: 1000,
    })

    // A derivative registered by CID (no file): needs a valid license of the parent, which account 2 now holds.
    const noLicense = await cli(
      'model',
      'register',
      reg.weightsCid,
      '--parent',
      '1',
      '--format',
      'gguf',
      '--dev-account',
      '3',
    )
    expect(noLicense.code).toBe(1)
    expect(noLicense.stderr).toContain('holds no valid license of parent model 1')
    const derived = await cli(
      'model',
      'register',
      reg.weightsCid,
      '--parent',
      '1',
      '--format',
      'gguf',
      '--license',
      termsFile,
      '--dev-account',
      '2',
      '--json',
    )
    expect(derived.code, derived.stderr).toBe(0)
    expect(json<{ modelId: string; parents: string[] }>(derived.stdout)).toMatchObject({ modelId: '2', parents: ['1'] })
    const derivedShown = json<{ ancestors: { modelId: string; bps: number }[] }>(
      (await cli('model', 'show', '2', '--json')).stdout,
    )
    expect(derivedShown.ancestors).toEqual([{ modelId: '1', bps: 1000 }])

    // A license of model 2 bought by account 3, shown, then revoked by model 2's owner.
    expect((await cli('model', 'license', 'buy', '2', '--dev-account', '3')).code).toBe(1) // no tUSD to pay the fee
    expect((await cli('model', 'license', 'buy', '2', '--dev-account', '2', '--json')).code).toBe(0)
    const shownLicense = json<{ modelId: string; valid: boolean }>(
      (await cli('model', 'license', 'show', '2', '--json')).stdout,
    )
    expect(shownLicense).toMatchObject({ modelId: '2', valid: true })
    expect((await cli('model', 'license', 'revoke', '2', '--dev-account', '2', '--json')).code).toBe(0)
    expect(
      json<{ valid: boolean; revoked: boolean }>((await cli('model', 'license', 'show', '2', '--json')).stdout),
    ).toMatchObject({ valid: false, revoked: true })

    const frac = await cli(
      'model',
      'fractionalize',
      '1',
      '--supply',
      '1000',
      '--symbol',
      'DIG',
      '--dev-account',
      '1',
      '--json',
    )
    expect(frac.code, frac.stderr).toBe(0)
    const f = json<{ vault: string; timelock: string; sound: boolean }>(frac.stdout)
    expect(f.sound).toBe(true)

    const listed = json<{ total: string; models: { fractionalized: boolean; owner: string }[] }>(
      (await cli('model', 'list', '--json')).stdout,
    )
    expect(listed.total).toBe('2')
    expect(listed.models[0]).toMatchObject({ fractionalized: true, owner: f.timelock })
    expect(listed.models[1]).toMatchObject({ fractionalized: false })

    // The mint fee waits in Licenses; collect pulls it into the vault, the sole holder withdraws it.
    const collected = await cli('model', 'royalties', 'collect', '1', '--dev-account', '3', '--json')
    expect(json<{ arrived: string }>(collected.stdout).arrived).toBe('5000000')
    const withdrawn = await cli('model', 'royalties', 'withdraw', '1', '--dev-account', '1', '--json')
    expect(json<{ amount: string }>(withdrawn.stdout).amount).toBe('5000000')

    expect((await cli('model', 'govern', 'delegate', '1', '--dev-account', '1', '--json')).code).toBe(0)
    await t.increaseTime(1)
    const proposed = await cli('model', 'govern', 'propose', '1', '--min-price', '2000', '--dev-account', '1', '--json')
    expect(proposed.code, proposed.stderr).toBe(0)
    const { proposalId } = json<{ proposalId: string }>(proposed.stdout)

    await t.increaseTime(DEVNET_GOVERNANCE.votingDelay + 1)
    const voted = await cli('model', 'govern', 'vote', '1', proposalId, 'for', '--dev-account', '1', '--json')
    expect(voted.code, voted.stderr).toBe(0)
    expect(json<{ weight: string }>(voted.stdout).weight).toBe('1000')
    const again = await cli('model', 'govern', 'vote', '1', proposalId, 'against', '--dev-account', '1')
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('has already voted on this proposal: a vote cannot be changed.')

    const early = await cli('model', 'govern', 'queue', '1', proposalId, '--dev-account', '1')
    expect(early.stderr).toContain('is Active, not Succeeded. The vote is still running')
    await t.increaseTime(DEVNET_GOVERNANCE.votingPeriod + 1)
    const queued = await cli('model', 'govern', 'queue', '1', proposalId, '--dev-account', '1', '--json')
    expect(queued.code, queued.stderr).toBe(0)
    expect(json<{ state: string }>(queued.stdout).state).toBe('Queued')
    await t.increaseTime(DEVNET_GOVERNANCE.timelockDelay + 1)
    const executed = await cli('model', 'govern', 'execute', '1', proposalId, '--dev-account', '4', '--json')
    expect(executed.code, executed.stderr).toBe(0)
    expect(json<{ state: string }>(executed.stdout).state).toBe('Executed')

    const shown = json<{
      terms: { minPricePerRequest: string; royaltyBps: number }
      licenses: { holder: string; valid: boolean }[]
      fractional: { symbol: string; sound: boolean }
    }>((await cli('model', 'show', '1', '--json')).stdout)
    expect(shown.terms).toMatchObject({ minPricePerRequest: '2000', royaltyBps: 1000 })
    expect(shown.licenses).toEqual([expect.objectContaining({ holder: t.wallet(2).account.address, valid: true })])
    expect(shown.fractional).toMatchObject({ symbol: 'DIG', sound: true })
    const human = await cli('model', 'show', '1')
    expect(human.stdout).toMatch(/min price:\s+0\.002 tUSD \(2000 units\) per request/)

    const govern = json<{ proposals: { proposalId: string; state: string }[] }>(
      (await cli('model', 'govern', 'show', '1', '--json')).stdout,
    )
    expect(govern.proposals).toEqual([expect.objectContaining({ proposalId, state: 'Executed' })])
    // Terms set directly by the former owner are refused: the model belongs to its timelock now.
    const direct = await cli('model', 'terms', 'set', '1', '--license', termsFile, '--dev-account', '1')
    expect(direct.code).toBe(2)
    expect(direct.stderr).toContain('its terms change only by a governance vote')
  }, 400_000)
})
