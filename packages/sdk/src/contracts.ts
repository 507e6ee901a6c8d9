/** Typed ABIs and bytecode of the mycel contracts, generated from the solc output by `npm run build:contracts`. */
export {
  mycelTokenAbi,
  mycelTokenBytecode,
  subnetRegistryAbi,
  subnetRegistryBytecode,
} from './generated/contracts.ts'

/** Addresses of one deployment of the mycel contracts. */
export type MycelAddresses = {
  mycelToken: `0x${string}`
  subnetRegistry: `0x${string}`
}

/** Neuron roles, numbered as in `SubnetRegistry.Role`. */
export const neuronRoles = ['miner', 'validator'] as const
export type NeuronRole = (typeof neuronRoles)[number]

/** Mirrors `SubnetRegistry.MAX_NEURONS_LIMIT` (a test checks it against the deployed contract). */
export const MAX_NEURONS_LIMIT = 4096
