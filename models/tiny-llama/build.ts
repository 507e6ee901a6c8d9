/**
 * A tiny llama-architecture model in GGUF, made here (nothing can be downloaded): one transformer block, 32-wide,
 * a SentencePiece-style vocabulary of the printable ASCII characters plus byte fallbacks, deterministic random
 * weights. It writes gibberish: it exists so the GGUF backend (node-llama-cpp) is exercised end to end by the tests,
 * and as a template for the GGUF files a miner really serves. `buildTinyLlama()` returns the bytes.
 */
import { writeGguf } from '../src/gguf.ts'
import { mulberry32 } from '../src/random.ts'

export function buildTinyLlama({ embd = 32, heads = 4, ff = 64, blocks = 1, context = 512, seed = 7 } = {}) {
  // Vocabulary: <unk>, <s>, </s>, 256 byte tokens, then the printable characters (space written as ▁).
  const tokens = ['<unk>', '<s>', '</s>']
  const types = [2, 3, 3]
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`)
    types.push(6)
  }
  for (let c = 32; c < 127; c++) {
    tokens.push(c === 32 ? '\u2581' : String.fromCharCode(c))
    types.push(1)
  }
  const vocab = tokens.length
  const uniform = mulberry32(seed)
  const rand = () => uniform() - 0.5
  const matrix = (rows: number, cols: number, scale = 0.2) =>
    Float32Array.from({ length: rows * cols }, () => rand() * scale)
  const ones = (n: number) => new Float32Array(n).fill(1)
  const tensors = [
    { name: 'token_embd.weight', shape: [embd, vocab], data: matrix(vocab, embd, 1) },
    { name: 'output_norm.weight', shape: [embd], data: ones(embd) },
    { name: 'output.weight', shape: [embd, vocab], data: matrix(vocab, embd, 1) },
  ]
  for (let b = 0; b < blocks; b++) {
    const p = `blk.${b}`
    tensors.push(
      { name: `${p}.attn_norm.weight`, shape: [embd], data: ones(embd) },
      { name: `${p}.attn_q.weight`, shape: [embd, embd], data: matrix(embd, embd) },
      { name: `${p}.attn_k.weight`, shape: [embd, embd], data: matrix(embd, embd) },
      { name: `${p}.attn_v.weight`, shape: [embd, embd], data: matrix(embd, embd) },
      { name: `${p}.attn_output.weight`, shape: [embd, embd], data: matrix(embd, embd) },
      { name: `${p}.ffn_norm.weight`, shape: [embd], data: ones(embd) },
      { name: `${p}.ffn_gate.weight`, shape: [embd, ff], data: matrix(ff, embd) },
      { name: `${p}.ffn_up.weight`, shape: [embd, ff], data: matrix(ff, embd) },
      { name: `${p}.ffn_down.weight`, shape: [ff, embd], data: matrix(embd, ff) },
    )
  }
  return writeGguf(
    {
      'general.architecture': { type: 'string', value: 'llama' },
      'general.name': { type: 'string', value: 'mycel tiny-llama (test model, random weights)' },
      'general.alignment': { type: 'u32', value: 32 },
      'llama.context_length': { type: 'u32', value: context },
      'llama.embedding_length': { type: 'u32', value: embd },
      'llama.block_count': { type: 'u32', value: blocks },
      'llama.feed_forward_length': { type: 'u32', value: ff },
      'llama.attention.head_count': { type: 'u32', value: heads },
      'llama.attention.head_count_kv': { type: 'u32', value: heads },
      'llama.rope.dimension_count': { type: 'u32', value: embd / heads },
      'llama.attention.layer_norm_rms_epsilon': { type: 'f32', value: 1e-5 },
      'tokenizer.ggml.model': { type: 'string', value: 'llama' },
      'tokenizer.ggml.tokens': { type: 'strings', value: tokens },
      'tokenizer.ggml.scores': { type: 'f32s', value: tokens.map(() => 0) },
      'tokenizer.ggml.token_type': { type: 'i32s', value: types },
      'tokenizer.ggml.bos_token_id': { type: 'u32', value: 1 },
      'tokenizer.ggml.eos_token_id': { type: 'u32', value: 2 },
      'tokenizer.ggml.unknown_token_id': { type: 'u32', value: 0 },
      'tokenizer.ggml.add_bos_token': { type: 'bool', value: true },
    },
    tensors,
  )
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const { writeFileSync } = await import('node:fs')
  const { join } = await import('node:path')
  const file = join(import.meta.dirname, 'tiny-llama.gguf')
  writeFileSync(file, buildTinyLlama())
  process.stdout.write(`wrote ${file}\n`)
}
