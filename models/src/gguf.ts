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
  // Scalar writers by GGUF value type; arrays are a type code, a count, then the elements.
  const scalars = {
    u32: [TYPE.u32, (x: number) => w.u32(x)],
    i32: [TYPE.i32, (x: number) => w.i32(x)],
    f32: [TYPE.f32, (x: number) => w.f32(x)],
    bool: [TYPE.bool, (x: boolean) => w.bytes(new Uint8Array([x ? 1 : 0]))],
    string: [TYPE.string, (x: string) => w.string(x)],
  } as const
  const arrays = { strings: 'string', f32s: 'f32', i32s: 'i32' } as const
  for (const [key, v] of Object.entries(metadata)) {
    w.string(key)
    if (v.type === 'strings' || v.type === 'f32s' || v.type === 'i32s') {
      const [code, write] = scalars[arrays[v.type]]
      w.u32(TYPE.array)
      w.u32(code)
      w.u64(v.value.length)
      for (const x of v.value) (write as (x: unknown) => void)(x)
    } else {
      const [code, write] = scalars[v.type]
      w.u32(code)
      ;(write as (x: unknown) => void)(v.value)
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
