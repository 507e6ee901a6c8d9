/**
 * The node's receipt codec (provenance/receiptCodec.ts) against the SDK's reference: the hand-written EIP-712 digest
 * equals `receiptDigest` for random receipts (property), native signatures verify with viem and recover to the signer,
 * a changed field or a forged signature recovers to someone else (or to nothing), a high-s signature is refused, and
 * Merkle proofs check exactly as OpenZeppelin's SimpleMerkleTree does — a proof for another root or leaf fails.
 */
import { receiptDigest, receiptDomain, type SignedReceipt, verifyReceiptSignature } from '@mycel/sdk'
import { SimpleMerkleTree } from '@openzeppelin/merkle-tree'
import fc from 'fast-check'
import { type Hex, hexToBytes, toHex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { createReceiptCodec, sha256Hex } from '../src/provenance/receiptCodec.ts'

const domain = receiptDomain(31337, '0x5FbDB2315678afecb367f032d93F642f64180aa3')
const codec = createReceiptCodec(domain)
const key = generatePrivateKey()
const signer = privateKeyToAccount(key).address
const hex32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => toHex(b))
const receipt = fc.record({
  kind: fc.constantFrom('ai' as const, 'human' as const),
  model: fc.string({ maxLength: 80 }),
  request: hex32,
  output: hex32,
  time: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
})

describe('receipt codec', () => {
  it('computes the SDK digest, and its signatures verify with viem (property)', async () => {
    await fc.assert(
      fc.asyncProperty(receipt, async (fields) => {
        const r = { ...fields, signer }
        expect(codec.digest(r)).toBe(receiptDigest(domain, r))
        const signed = codec.sign(r, hexToBytes(key))
        expect(codec.recover(signed)).toBe(signer.toLowerCase())
        expect(await verifyReceiptSignature(domain, signed)).toBe(true)
      }),
      { numRuns: 150 },
    )
  })

  it('recovers someone else for a changed field, and nothing for a malformed or high-s signature', () => {
    const signed = codec.sign(
      {
        kind: 'ai',
        model: 'bafkreimodel',
        request: sha256Hex('q'),
        output: sha256Hex('a'),
        time: 1_800_000_000n,
        signer,
      },
      hexToBytes(key),
    )
    for (const changed of [
      { ...signed, output: sha256Hex('b') },
      { ...signed, model: 'bafkreiother' },
      { ...signed, kind: 'human' as const },
      { ...signed, time: signed.time + 1n },
    ]) {
      const recovered = codec.recover(changed)
      expect(recovered === undefined || recovered !== signer.toLowerCase()).toBe(true)
    }
    expect(codec.recover({ ...signed, signature: '0x1234' })).toBeUndefined()
    // The same signature with s' = n − s (and v flipped) is valid ECDSA but not canonical: refused.
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n
    const s = BigInt(`0x${signed.signature.slice(66, 130)}`)
    const v = Number.parseInt(signed.signature.slice(130), 16)
    const highS =
      `${signed.signature.slice(0, 66)}${(n - s).toString(16).padStart(64, '0')}${(v === 27 ? 28 : 27).toString(16)}` as Hex
    expect(codec.recover({ ...signed, signature: highS } as SignedReceipt)).toBeUndefined()
  })

  it('checks Merkle proofs as SimpleMerkleTree does', () => {
    fc.assert(
      fc.property(fc.uniqueArray(hex32, { minLength: 1, maxLength: 120 }), fc.nat(), (leaves, pick) => {
        const tree = SimpleMerkleTree.of(leaves)
        const leaf = leaves[pick % leaves.length] as Hex
        const proof = tree.getProof(leaf) as Hex[]
        expect(codec.verifyProof(tree.root as Hex, leaf, proof)).toBe(true)
        expect(SimpleMerkleTree.verify(tree.root, leaf, proof)).toBe(true)
        const other = SimpleMerkleTree.of([...leaves, sha256Hex('extra')])
        if (other.root !== tree.root)
          expect(codec.verifyProof(other.root as Hex, leaf, proof)).toBe(leaves.length === 0)
        expect(codec.verifyProof(tree.root as Hex, sha256Hex('not a leaf'), proof)).toBe(false)
      }),
      { numRuns: 100 },
    )
  })
})
