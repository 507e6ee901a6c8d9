/**
 * The gateway ledger over its store (db/stores/gateway.ts): every voucher is on disk before `pay` returns, a
 * settlement marks it and saves the channel in one step, and a restarted ledger finds the open channels as left.
 */
import { join } from 'node:path'
import type { Address } from 'viem'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/chain.ts'
import { openDatabase } from '../src/db/database.ts'
import { UnknownGatewayChannelError } from '../src/gateway/errors.ts'
import { createGatewayLedger, type GatewayChannel } from '../src/gateway/ledger.ts'

const payee = '0x00000000000000000000000000000000000000a1' as Address
const token = '0x00000000000000000000000000000000000000b2' as Address
const channel = (channelId: bigint): GatewayChannel => ({
  channelId,
  payee,
  endpoint: 'http://127.0.0.1:9',
  token,
  deposit: 1_000n,
  sessionSigner: '0x00000000000000000000000000000000000000c3',
  committed: 0n,
  signed: 0n,
  requests: 0n,
  units: 0n,
  closed: false,
})
const sign = () => '0x5151' as const

type VoucherRow = { cumulative_amount: string; cumulative_requests: string; status: string; model: string }

describe('gateway ledger', () => {
  it('records each voucher before pay returns, marks it served or failed, and reloads open channels', () => {
    const file = join(tempDir('mycel-gateway-ledger-'), 'node.db')
    const db = openDatabase(file)
    const ledger = createGatewayLedger({ db, sign })
    ledger.add(channel(7n))
    ledger.add({ ...channel(8n), closed: true })

    const first = ledger.pay(7n, 100n, 'digits')
    const rows = () =>
      db
        .prepare(
          'SELECT cumulative_amount, cumulative_requests, status, model FROM gateway_vouchers ORDER BY cumulative_requests',
        )
        .all() as VoucherRow[]
    expect(rows()).toEqual([{ cumulative_amount: '100', cumulative_requests: '1', status: 'sent', model: 'digits' }])
    ledger.served(first, 25n, 3n)
    const second = ledger.pay(7n, 100n, 'digits')
    expect(second.voucher.cumulativeAmount).toBe(225n)
    ledger.failed(second)
    expect(rows().map((r) => r.status)).toEqual(['served', 'failed'])
    expect(ledger.get(7n)).toMatchObject({ committed: 125n, signed: 225n, requests: 2n, units: 3n })
    db.close()

    const again = createGatewayLedger({ db: openDatabase(file), sign })
    expect(again.channels().map((c) => c.channelId)).toEqual([7n])
    expect(again.get(7n)).toMatchObject({ committed: 125n, signed: 225n, requests: 2n, units: 3n })
    expect(again.forPayee(payee, token)?.channelId).toBe(7n)
  })

  it('refuses to pay from a channel it does not hold, with a stable code', () => {
    const ledger = createGatewayLedger({ db: openDatabase(join(tempDir('mycel-gateway-ledger-'), 'node.db')), sign })
    let thrown: unknown
    try {
      ledger.pay(99n, 1n, 'digits')
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(UnknownGatewayChannelError)
    expect(thrown).toMatchObject({ code: 'UNKNOWN_GATEWAY_CHANNEL', message: 'unknown gateway channel 99' })
  })
})
