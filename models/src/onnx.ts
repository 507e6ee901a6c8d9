/**
 * Builds ONNX models from TypeScript with the `onnx-proto` message definitions, so the models this project ships are
 * produced by code in the repo (no Python, no download). Only what the built-in models need: dense layers,
 * activations, softmax.
 */
import onnxProto from 'onnx-proto'

const { onnx } = onnxProto

export type DenseLayer = {
  /** Row-major [inputs × outputs] weights. */
  weights: Float32Array
  bias: Float32Array
  inputs: number
  outputs: number
  activation: 'relu' | 'none'
}

const tensor = (name: string, dims: number[], values: Float32Array) =>
  onnx.TensorProto.create({
    name,
    dims,
    dataType: onnx.TensorProto.DataType.FLOAT,
    rawData: new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength)),
  })

const valueInfo = (name: string, dims: (number | string)[], elemType: number = onnx.TensorProto.DataType.FLOAT) =>
  onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  })

/**
 * A multilayer perceptron `input [batch, inputs] → … → softmax → output [batch, classes]` as ONNX bytes
 * (opset 13). `metadata` lands in the model's metadata_props (e.g. accuracy, training seed).
 */
/** A token-embedding front: int64 ids [batch, context] → Gather → flatten to [batch, context × dim]. */
export type Embedding = { table: Float32Array; vocab: number; dim: number; context: number }

export function mlpToOnnx(
  layers: DenseLayer[],
  {
    name,
    input = 'input',
    output = 'probabilities',
    metadata = {},
    embedding,
  }: { name: string; input?: string; output?: string; metadata?: Record<string, string>; embedding?: Embedding },
): Uint8Array {
  const nodes: InstanceType<typeof onnx.NodeProto>[] = []
  const initializers: InstanceType<typeof onnx.TensorProto>[] = []
  let current = input
  if (embedding) {
    initializers.push(
      tensor('embedding', [embedding.vocab, embedding.dim], embedding.table),
      onnx.TensorProto.create({
        name: 'flat_shape',
        dims: [2],
        dataType: onnx.TensorProto.DataType.INT64,
        int64Data: [-1, embedding.context * embedding.dim],
      }),
    )
    nodes.push(
      onnx.NodeProto.create({ opType: 'Gather', input: ['embedding', input], output: ['embedded'], name: 'gather' }),
      onnx.NodeProto.create({
        opType: 'Reshape',
        input: ['embedded', 'flat_shape'],
        output: ['flat'],
        name: 'flatten',
      }),
    )
    current = 'flat'
  }
  layers.forEach((layer, i) => {
    initializers.push(
      tensor(`W${i}`, [layer.inputs, layer.outputs], layer.weights),
      tensor(`b${i}`, [layer.outputs], layer.bias),
    )
    const gemmOut = `dense${i}`
    nodes.push(
      onnx.NodeProto.create({
        opType: 'Gemm',
        input: [current, `W${i}`, `b${i}`],
        output: [gemmOut],
        name: `gemm${i}`,
      }),
    )
    current = gemmOut
    if (layer.activation === 'relu') {
      nodes.push(onnx.NodeProto.create({ opType: 'Relu', input: [current], output: [`relu${i}`], name: `relu${i}` }))
      current = `relu${i}`
    }
  })
  nodes.push(
    onnx.NodeProto.create({
      opType: 'Softmax',
      input: [current],
      output: [output],
      name: 'softmax',
      attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: -1 }],
    }),
  )
  const first = layers[0]
  const last = layers[layers.length - 1]
  if (!first || !last) throw new Error('an MLP needs at least one layer')
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'mycel',
    producerVersion: '0.1.0',
    opsetImport: [{ domain: '', version: 13 }],
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
    graph: {
      name,
      node: nodes,
      initializer: initializers,
      input: [
        embedding
          ? valueInfo(input, ['batch', embedding.context], onnx.TensorProto.DataType.INT64)
          : valueInfo(input, ['batch', first.inputs]),
      ],
      output: [valueInfo(output, ['batch', last.outputs])],
    },
  })
  return onnx.ModelProto.encode(model).finish()
}
