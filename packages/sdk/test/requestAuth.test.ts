/**
 * The validator → miner signed transport: a signed request verifies and names its signer; any change to what was
 * signed, an old or future timestamp, a replayed nonce, a forged signature or a malformed header is refused with its
 * own code.
 */
import { createNonceMemory, signValidatorRequest, ValidatorRequestError, verifyValidatorRequest } from '@mycel/sdk'
import fc from 'fast-check'
import { privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'

const validator = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
const other = privateKeyToAccount('0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a')
const chainId = 31337
const registry = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
const miner: `0x${string}` = '0x90F79bf6EB2c4f870365E785982E1f101E93b906'
const now = 1_800_000_000
const request = { netuid: 1n, miner, method: 'POST', path: '/v1/chat/completions', body: '{"model":"text"}' }

async function codeOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  )
  expect(error).toBeInstanceOf(ValidatorRequestError)
  return (error as ValidatorRequestError).code
}

describe('validator requests', () => {
  it('verify, naming the signer and the subnet; a replay is refused', async () => {
    const header = await signValidatorRequest(validator, { chainId, registry }, request, { timestamp: now })
    const remember = createNonceMemory(() => now)
    const verified = await verifyValidatorRequest({ chainId, registry, header, ...request, now, remember })
    expect(verified).toEqual({ hotkey: validator.address, netuid: 1n })
    expect(await codeOf(verifyValidatorRequest({ chainId, registry, header, ...request, now, remember }))).toBe(
      'REPLAYED',
    )
  })

  it('refuse old, future, malformed and forged requests', async () => {
    const remember = createNonceMemory(() => now)
    const header = await signValidatorRequest(validator, { chainId, registry }, request, { timestamp: now - 61 })
    expect(await codeOf(verifyValidatorRequest({ chainId, registry, header, ...request, now, remember }))).toBe(
      'EXPIRED',
    )
    const future = await signValidatorRequest(validator, { chainId, registry }, request, { timestamp: now + 61 })
    expect(await codeOf(verifyValidatorRequest({ chainId, registry, header: future, ...request, now, remember }))).toBe(
      'FROM_THE_FUTURE',
    )
    for (const bad of [undefined, '', 'v1', 'v2.1.1.00.00', `v1.1.${now}.zz.${'a'.repeat(130)}`]) {
      expect(await codeOf(verifyValidatorRequest({ chainId, registry, header: bad, ...request, now, remember }))).toBe(
        'MALFORMED',
      )
    }
    const valid = await signValidatorRequest(validator, { chainId, registry }, request, { timestamp: now })
    const parts = valid.split('.')
    parts[4] = 'ff'.repeat(65)
    expect(
      await codeOf(verifyValidatorRequest({ chainId, registry, header: parts.join('.'), ...request, now, remember })),
    ).toBe('BAD_SIGNATURE')
  })

  it('property: changing anything signed changes the recovered signer (so the permit check fails)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('method', 'path', 'body', 'netuid', 'chainId', 'miner', 'registry'),
        fc.string({ minLength: 1, maxLength: 20 }),
        async (field, text) => {
          const header = await signValidatorRequest(validator, { chainId, registry }, request, { timestamp: now })
          const changed = {
            ...request,
            ...(field === 'method' ? { method: request.method === text.toUpperCase() ? 'GET' : text } : {}),
            ...(field === 'path' ? { path: `${request.path}${text}` } : {}),
            ...(field === 'body' ? { body: `${request.body}${text}` } : {}),
            ...(field === 'miner' ? { miner: other.address } : {}),
          }
          const headerFor = field === 'netuid' ? header.replace(/^v1\.1\./, 'v1.2.') : header
          const result = await verifyValidatorRequest({
            chainId: field === 'chainId' ? chainId + 1 : chainId,
            registry: field === 'registry' ? miner : registry,
            header: headerFor,
            ...changed,
            now,
            remember: () => true,
          }).then(
            (r) => r.hotkey,
            (e: ValidatorRequestError) => e.code,
          )
          expect(result).not.toBe(validator.address)
        },
      ),
      { numRuns: 100 },
    )
    // A signature by another key names that key, which the miner then checks for a permit.
    const header = await signValidatorRequest(other, { chainId, registry }, request, { timestamp: now })
    const { hotkey } = await verifyValidatorRequest({
      chainId,
      registry,
      header,
      ...request,
      now,
      remember: () => true,
    })
    expect(hotkey).toBe(other.address)
  })
})
