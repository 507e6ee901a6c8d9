/** Reverts become sentences: every custom error of the mycel contracts has one, and it names the values at fault. */
import { describe, expect, it } from 'vitest'
import { epochsAbi, paymentChannelsAbi, stakingAbi, subnetRegistryAbi, weightsAbi } from '../src/contracts.ts'
import { describeRevert } from '../src/errors/contract.ts'

const ours = /^(SubnetRegistry|PaymentChannels|Staking|Weights|Epochs)[A-Z]/

describe('describeRevert', () => {
  const errors = [...subnetRegistryAbi, ...paymentChannelsAbi, ...stakingAbi, ...weightsAbi, ...epochsAbi].filter(
    (item) => item.type === 'error' && ours.test(item.name),
  ) as { name: string; inputs: readonly { type: string }[] }[]
  const sample = ({ type }: { type: string }, i: number) =>
    type === 'string'
      ? 'x'
      : type === 'address'
        ? `0x${'ab'.repeat(20)}`
        : type === 'bytes32'
          ? `0x${'0'.repeat(64)}`
          : BigInt(i + 1)

  it.each(errors.map((e) => [e.name, e.inputs]))('%s has a sentence of its own', (name, inputs) => {
    const text = describeRevert(name as string, (inputs as { type: string }[]).map(sample))
    expect(text).not.toContain(name)
    expect(text).toMatch(/^[A-Z`$0-9u].*[.)]$/)
  })

  it('says that a hotkey is not registered in the subnet, and how to register or list subnets', () => {
    const hotkey = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8'
    expect(describeRevert('StakingHotkeyNotRegistered', [99n, hotkey])).toBe(
      `Hotkey ${hotkey} is not registered in subnet 99 (or subnet 99 does not exist), so it cannot take stake. Register it with \`mycel neuron register --netuid 99 --endpoint <url>\` signed by that hotkey, or stake on a registered one (\`mycel stake list --netuid 99\`); \`mycel subnet list\` lists the subnets.`,
    )
  })

  it('names an unknown error with its arguments', () => {
    expect(describeRevert('SomethingNew', [1n, 'x'])).toBe('The contract rejected the call with SomethingNew(1, x).')
  })
})
