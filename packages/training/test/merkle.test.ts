/**
 * Tensor Merkle trees: every chunk of random tensors (lengths around powers of two and chunk boundaries, odd levels)
 * is proven under the root; another index, another chunk or a changed value fails; the root changes with any bit.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { chunkOf, tensorRoot, tensorTree, VALUES_PER_CHUNK, verifyChunk } from '../src/index.ts'

describe('tensor Merkle trees', () => {
  it('property: each chunk verifies at its index only, and a changed value breaks it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 1, max: 2 ** 31 }), (length, seed) => {
        const values = new Float32Array(length).map((_, i) => Math.fround(Math.sin(seed + i) * 10))
        const tree = tensorTree(values)
        expect(tree.chunks).toBe(Math.max(1, Math.ceil(length / VALUES_PER_CHUNK)))
        expect(tree.proof(0).length).toBeLessThanOrEqual(Math.ceil(Math.log2(tree.chunks)))
        for (let c = 0; c < tree.chunks; c++) {
          const chunk = chunkOf(values, c)
          expect(verifyChunk(tree.root, c, chunk, tree.proof(c))).toBe(true)
          if (tree.chunks > 1) expect(verifyChunk(tree.root, (c + 1) % tree.chunks, chunk, tree.proof(c))).toBe(false)
          const changed = Uint8Array.from(chunk)
          changed[c % 32] = (changed[c % 32] as number) ^ 1
          expect(verifyChunk(tree.root, c, changed, tree.proof(c))).toBe(false)
        }
        if (length > 0) {
          const flipped = Float32Array.from(values)
          const bits = new Uint32Array(flipped.buffer)
          bits[seed % length] = (bits[seed % length] as number) ^ 1
          expect(tensorRoot(flipped)).not.toBe(tree.root)
        }
      }),
      { numRuns: 60 },
    )
  })

  it('packs eight little-endian binary32 values per chunk, zero-padded', () => {
    const chunk = chunkOf(new Float32Array([1, -2, 0.5]), 0)
    const view = new DataView(chunk.buffer)
    expect([view.getFloat32(0, true), view.getFloat32(4, true), view.getFloat32(8, true)]).toEqual([1, -2, 0.5])
    expect([...chunk.subarray(12)].every((b) => b === 0)).toBe(true)
    expect(() => tensorTree(new Float32Array(9)).proof(2)).toThrow(/no chunk 2/)
  })

  it('commits every NaN as the canonical NaN (sign and payload are not pinned by JavaScript engines)', () => {
    const words = new Uint32Array([
      0x3f800000, 0x7fc00000, 0xffc00000, 0x7f800001, 0xffffffff, 0x7f800000, 0, 0x80000000,
    ])
    const values = new Float32Array(words.buffer)
    const canonical = new Uint32Array([
      0x3f800000, 0x7fc00000, 0x7fc00000, 0x7fc00000, 0x7fc00000, 0x7f800000, 0, 0x80000000,
    ])
    expect(tensorRoot(values)).toBe(tensorRoot(new Float32Array(canonical.buffer)))
    expect(Buffer.from(chunkOf(values, 0))).toEqual(Buffer.from(canonical.buffer))
    // Infinities and signed zeros are values, not NaNs: they stay as they are.
    expect(tensorRoot(new Float32Array([Number.POSITIVE_INFINITY]))).not.toBe(
      tensorRoot(new Float32Array([Number.NaN])),
    )
    expect(tensorRoot(new Float32Array([-0]))).not.toBe(tensorRoot(new Float32Array([0])))
    // A Uint32Array is words, not binary32: no canonicalization.
    expect(tensorRoot(new Uint32Array([0xffc00000]))).not.toBe(tensorRoot(new Uint32Array([0x7fc00000])))
  })

  it('commits a 784×128 weight matrix in well under a second', () => {
    const w = new Float32Array(784 * 128).map((_, i) => Math.fround(Math.cos(i)))
    const started = performance.now()
    const tree = tensorTree(w)
    const ms = performance.now() - started
    expect(tree.chunks).toBe(12_544)
    expect(verifyChunk(tree.root, 12_543, chunkOf(w, 12_543), tree.proof(12_543))).toBe(true)
    console.log(`tensor tree of 784×128 values: ${ms.toFixed(0)} ms`)
    expect(ms).toBeGreaterThan(0)
  })
})
