/**
 * Native secp256k1 and keccak-256 (the `secp256k1` and `keccak` packages' prebuilt bindings) for the hot paths —
 * voucher recovery, provenance receipts — with @noble's pure JavaScript as the fallback when a binding does not load:
 * slower, same results.
 */
import { createRequire } from 'node:module'

export type NativeSecp = {
  ecdsaRecover: (signature: Uint8Array, recid: number, message: Uint8Array, compressed: boolean) => Uint8Array
  ecdsaSign: (message: Uint8Array, privateKey: Uint8Array) => { signature: Uint8Array; recid: number }
}
type NativeKeccak = (algorithm: 'keccak256') => { update: (data: Uint8Array) => { digest: () => Uint8Array } }

export type Native = { secp: NativeSecp; keccak: (data: Uint8Array) => Uint8Array }
let native: Native | null | undefined
/** The native bindings, loaded once; null when they did not load (callers fall back to @noble, same results). */
export function loadNative(): Native | null {
  if (native !== undefined) return native
  try {
    const require = createRequire(import.meta.url)
    const secp = require('secp256k1/bindings') as NativeSecp
    const createKeccak = require('keccak/bindings') as NativeKeccak
    native = {
      secp,
      // The binding takes Buffers only; a view over the same memory avoids a copy.
      keccak: (data) =>
        createKeccak('keccak256')
          .update(Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength))
          .digest(),
    }
  } catch {
    native = null
  }
  return native
}
