/**
 * The forward pass the built-in models share: a ReLU dense layer and a softmax output layer over float32 buffers,
 * in a fixed order of operations (training reproduces the shipped files bit for bit, so this order is part of the
 * models' definition).
 */
import type { DenseLayer } from './onnx.ts'

/** h = relu(x·W + b). `skipZeros` skips inputs that are exactly 0 (sparse images), as the digits model trains. */
export function reluDense(layer: DenseLayer, x: Float32Array, h: Float32Array, skipZeros = false): void {
  for (let j = 0; j < layer.outputs; j++) h[j] = layer.bias[j] as number
  for (let i = 0; i < layer.inputs; i++) {
    const v = x[i] as number
    if (skipZeros && v === 0) continue
    const row = i * layer.outputs
    for (let j = 0; j < layer.outputs; j++) h[j] = (h[j] as number) + v * (layer.weights[row + j] as number)
  }
  for (let j = 0; j < layer.outputs; j++) if ((h[j] as number) < 0) h[j] = 0
}

/** out = softmax(h·W + b), numerically stable (the maximum logit is subtracted before exp). */
export function softmaxDense(layer: DenseLayer, h: Float32Array, out: Float32Array): void {
  let max = Number.NEGATIVE_INFINITY
  for (let k = 0; k < layer.outputs; k++) {
    let z = layer.bias[k] as number
    for (let j = 0; j < layer.inputs; j++) z += (h[j] as number) * (layer.weights[j * layer.outputs + k] as number)
    out[k] = z
    if (z > max) max = z
  }
  let sum = 0
  for (let k = 0; k < layer.outputs; k++) {
    out[k] = Math.exp((out[k] as number) - max)
    sum += out[k] as number
  }
  for (let k = 0; k < layer.outputs; k++) out[k] = (out[k] as number) / sum
}
