/** viem clients for the chain the node runs on, with errors that say what to check when the RPC is unreachable. */
import { type Chain, createPublicClient, defineChain, http, type PublicClient } from 'viem'
import { getChainId } from 'viem/actions'
import { RpcUnreachableError } from '../common/errors.ts'

/** The URL with any path, query and credentials removed: RPC URLs often embed API keys. */
export function redactRpcUrl(rpcUrl: string): string {
  try {
    const url = new URL(rpcUrl)
    const hidden = url.pathname.length > 1 || url.search || url.username ? '/…' : ''
    return `${url.protocol}//${url.host}${hidden}`
  } catch {
    return '<invalid url>'
  }
}

export function chainFor(chainId: number, rpcUrl: string): Chain {
  return defineChain({
    id: chainId,
    name: chainId === 31337 ? 'mycel devnet' : `chain ${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  })
}

/** Connects to `rpcUrl` and returns a public client bound to its chain; fails fast when it does not answer. */
export async function connectChain(
  rpcUrl: string,
  { timeoutMs = 5000, pollingInterval = 1000 } = {},
): Promise<{ client: PublicClient; chain: Chain; chainId: number }> {
  const probe = createPublicClient({ transport: http(rpcUrl, { timeout: timeoutMs, retryCount: 0 }) })
  let chainId: number
  try {
    chainId = await getChainId(probe)
  } catch (cause) {
    throw new RpcUnreachableError({ rpcUrl: redactRpcUrl(rpcUrl), cause })
  }
  const chain = chainFor(chainId, rpcUrl)
  const client = createPublicClient({
    chain,
    pollingInterval,
    transport: http(rpcUrl, { timeout: 15_000, retryCount: 2 }),
  }) as PublicClient
  return { client, chain, chainId }
}
