/**
 * Wires provenance into the node (docs/provenance.md): the receipt codec for this chain's ProvenanceAnchors, the
 * service that stores, batches and anchors receipts (a flush every two seconds; a batch anchors from its signer's
 * account through the node's transaction queue), the receipt issuers the miners sign with, and the read side of
 * `/api/provenance` (lookups, verification, a person's own anchored receipts).
 */
import {
  type MycelAddresses,
  provenanceAnchorsAbi,
  receiptDomain,
  type SignedReceipt,
  writeContractAndWait,
} from '@mycel/sdk'
import { type Hex, hexToBytes } from 'viem'
import type { LocalAccount } from 'viem/accounts'
import type { Common, RoleContext } from '../common/common.ts'
import { READ_VIEW_STALE, sharedFor } from '../common/shared.ts'
import { createProvenanceStore } from '../db/stores/provenance.ts'
import type { ProvenanceApi } from '../http/provenanceRoutes.ts'
import type { ReceiptIssuer } from '../miner/receipts.ts'
import { lineageOf, readChainIndex } from '../provenance/lineage.ts'
import { createProvenance } from '../provenance/provenance.ts'
import { createReceiptCodec, sha256Hex } from '../provenance/receiptCodec.ts'
import { verifyReceipt } from '../provenance/verify.ts'
import { walletFor } from './accounts.ts'

export function startProvenance(common: Common, ctx: RoleContext & { addresses: MycelAddresses }) {
  const codec = createReceiptCodec(receiptDomain(ctx.chainId, ctx.addresses.provenanceAnchors))
  const store = createProvenanceStore(ctx.db)
  const wallets = new Map<string, ReturnType<typeof walletFor>>()
  const log = common.logger.child({ role: 'provenance' })
  const service = createProvenance({
    store,
    codec,
    content: ctx.store,
    log,
    anchor: async (signer, root, count, cid) => {
      const wallet = wallets.get(signer.toLowerCase())
      if (!wallet) throw new Error(`no account of ${signer} on this node to anchor with`)
      const { hash, receipt } = await common.txQueue.run(wallet.account.address, () =>
        writeContractAndWait(wallet, {
          address: ctx.addresses.provenanceAnchors,
          abi: provenanceAnchorsAbi,
          functionName: 'anchor',
          args: [root, count, cid],
        }),
      )
      return { hash, block: receipt.blockNumber }
    },
  })
  let timer: ReturnType<typeof setInterval> | undefined
  // One walk of the chain's datasets, certifications, jobs and models every two seconds, whoever asks; under load a
  // caller waits for a slow walk at most a second (then gets the last one).
  const chainIndex = sharedFor(2000, (_all: 'all') => readChainIndex(ctx.client, ctx.addresses), {
    stale: READ_VIEW_STALE,
  })
  const verifyContext = { client: ctx.client, addresses: ctx.addresses, codec }

  /** The issuer a miner signs its receipts with; its account anchors their batches. */
  function issuerFor(account: LocalAccount, privateKey: Hex): ReceiptIssuer {
    wallets.set(account.address.toLowerCase(), walletFor(account, ctx.chain, ctx.rpcUrl, common.options.pollIntervalMs))
    const signer = { address: account.address, privateKey: hexToBytes(privateKey) }
    return ({ model, request, output }) =>
      service.sign(signer, { model, request: sha256Hex(request), output: sha256Hex(output) })
  }

  const api: ProvenanceApi = {
    async lookup(hash) {
      const answers = service.lookup(hash)
      return Promise.all(
        answers.map(async (a) => ({
          ...a,
          verdict: await verifyReceipt(
            verifyContext,
            a.receipt,
            a.batch?.txHash ? { root: a.batch.root, proof: a.batch.proof } : undefined,
          ),
        })),
      )
    },
    verify: (receipt: SignedReceipt, anchor) => verifyReceipt(verifyContext, receipt, anchor),
    accept: (receipt: SignedReceipt, anchor) => service.accept(receipt, anchor),
    overview: () => ({ ...service.counts(), batches: service.recentBatches(20) }),
    lineage: async (cid) => lineageOf(await chainIndex('all'), store, cid),
  }
  return {
    codec,
    service,
    api,
    issuerFor,
    startDuties() {
      timer = setInterval(() => {
        service.flush().catch((error: Error) => log.warn({ msg: 'receipt flush failed', err: error.message }))
      }, 2000)
    },
    async stop() {
      if (timer) clearInterval(timer)
      await service.flush(true).catch(() => {})
    },
  }
}
export type NodeProvenance = ReturnType<typeof startProvenance>
