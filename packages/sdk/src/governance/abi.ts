/**
 * The governor's ABI plus the timelock's and the vault's custom errors: the governor calls the timelock (queue,
 * execute) and the vault (votes), and their reverts bubble up through it, so actions decode them by name.
 */
import { modelGovernorAbi, modelGovernorTimelockAbi, royaltyVaultAbi } from '../contracts.ts'

type ErrorItem<abi extends readonly { type: string }[]> = Extract<abi[number], { type: 'error' }>

const errorsOf = <const abi extends readonly { type: string }[]>(abi: abi) =>
  abi.filter((item): item is ErrorItem<abi> => item.type === 'error')

export const governorCallAbi = [
  ...modelGovernorAbi,
  ...errorsOf(modelGovernorTimelockAbi),
  ...errorsOf(royaltyVaultAbi).filter((e) => !modelGovernorAbi.some((g) => g.type === 'error' && g.name === e.name)),
]
