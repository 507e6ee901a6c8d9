/**
 * A minimal GGUF (v3) writer: metadata key/values and F32 tensors, enough to write a llama-architecture model that
 * llama.cpp loads. Format: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md (facts, not code, taken from
 * there). Little-endian throughout; tensor data aligned to 32 bytes.
 */

export type GgufValue =
  | { type: 'u32'; value: number }
  | { type: 'i32'; value: number }
  | { type: 'f32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'strings'; value: string[] }
  | { type: 'f32s'; value: number[] }
  | { type: 'i32s'; value: number[] }

/** A tensor: `shape` in GGUF order (the fastest-varying dimension first), `data` row-major in that order. */
export type GgufTensor = { name: string; shape: number[]; data: Float32Array }

const TYPE = { u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9 } as const
const ALIGNMENT = 32

class Writer {
  private chunks: Uint8Array[] = []
  length = 0
  bytes(b: Uint8Array) {
    this.chunks.push(b)
    this.length += b.length
  }
  private scalar(size: number, set: (view: DataView) => void) {
    const b = new Uint8Array(size)
    set(new DataView(b.buffer))
    this.bytes(b)
  }
  u32 = (v: number) => this.scalar(4, (d) => d.setUint32(0, v, true))
  i32 = (v: number) => this.scalar(4, (d) => d.setInt32(0, v, true))
  u64 = (v: number) => this.scalar(8, (d) => d.setBigUint64(0, BigInt(v), true))
  f32 = (v: number) => this.scalar(4, (d) => d.setFloat32(0, v, true))
  string(s: string) {
    const b = new TextEncoder().encode(s)
    this.u64(b.length)
    this.bytes(b)
  }
  pad() {
    const rest = (ALIGNMENT - (this.length % ALIGNMENT)) % ALIGNMENT
    if (rest > 0) this.bytes(new Uint8Array(rest))
  }
  concat(): Uint8Array {
    const out = new Uint8Array(this.length)
    let at = 0
    for (const c of this.chunks) {
      out.set(c, at)
      at += c.length
    }
    return out
  }
}

export function writeGguf(metadata: Record<string, GgufValue>, tensors: GgufTensor[]): Uint8Array {
  const w = new Writer()
  w.bytes(new TextEncoder().encode('GGUF'))
  w.u32(3)
  w.u64(tensors.length)
  w.u64(Object.keys(metadata).length)
  for (const [key, v] of Object.entries(metadata)) {
    w.string(key)
    switch (v.type) {
      case 'u32':
        w.u32(TYPE.u32)
        w.u32(v.value)
        break
      case 'i32':
        w.u32(TYPE.i32)
        w.i32(v.value)
        break
      case 'f32':
        w.u32(TYPE.f32)
        w.f32(v.value)
        break
      case 'bool':
        w.u32(TYPE.bool)
        w.bytes(new Uint8Array([v.value ? 1 : 0]))
        break
      case 'string':
        w.u32(TYPE.string)
        w.string(v.value)
        break
      case 'strings':
        w.u32(TYPE.array)
        w.u32(TYPE.string)
        w.u64(v.value.length)
        for (const s of v.value) w.string(s)
        break
      case 'f32s':
        w.u32(TYPE.array)
        w.u32(TYPE.f32)
        w.u64(v.value.length)
        for (const x of v.value) w.f32(x)
        break
      case 'i32s':
        w.u32(TYPE.array)
        w.u32(TYPE.i32)
        w.u64(v.value.length)
        for (const x of v.value) w.i32(x)
        break
    }
  }
  let offset = 0
  const offsets: number[] = []
  for (const t of tensors) {
    const count = t.shape.reduce((a, b) => a * b, 1)
    if (count !== t.data.length)
      throw new Error(`tensor ${t.name}: shape [${t.shape}] needs ${count} values, got ${t.data.length}`)
    w.string(t.name)
    w.u32(t.shape.length)
    for (const d of t.shape) w.u64(d)
    w.u32(0) // GGML_TYPE_F32
    w.u64(offset)
    offsets.push(offset)
    offset += Math.ceil((count * 4) / ALIGNMENT) * ALIGNMENT
  }
  w.pad()
  for (const t of tensors) {
    w.bytes(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength))
    w.pad()
  }
  return w.concat()
}
