/**
 * The validator's, the epoch keeper's and the deployments file's errors are NodeErrors with stable codes, and keep
 * the messages they had (a miner's `lastError` on the dashboard shows them).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from '../../../test/helpers/chain.ts'
import { deploymentsPath, readDeployments } from '../src/chain/deployments.ts'
import { DeploymentsCorruptError } from '../src/chain/errors.ts'
import { NodeError } from '../src/common/errors.ts'
import { FinalProposalUnreadableError } from '../src/epochs/errors.ts'
import {
  MinerRequestFailedError,
  NoModelForTaskError,
  ReferenceWeightsMismatchError,
  ReferenceWeightsUnavailableError,
} from '../src/validator/errors.ts'
import { digitsTask, outputOf, textTask } from '../src/validator/tasks.ts'

const codeAndMessage = (error: unknown) => {
  expect(error).toBeInstanceOf(NodeError)
  const { code, message } = error as NodeError
  return { code, message }
}
const thrown = (f: () => unknown) => {
  try {
    f()
  } catch (error) {
    return codeAndMessage(error)
  }
  throw new Error('did not throw')
}

describe('node errors of the validator, the epoch keeper and the deployments file', () => {
  it('malformed miner answers', () => {
    expect(thrown(() => outputOf(null))).toEqual({
      code: 'VALIDATOR_MALFORMED_ANSWER',
      message: 'the response has no numeric outputs[0].data',
    })
    const pixels = new Float32Array(784)
    const digits = digitsTask([{ pixels, label: 1 }], 'm', 2, () => 0.5)
    expect(thrown(() => digits.quality([{ outputs: [{ data: [1, 2, 3] }] }]))).toEqual({
      code: 'VALIDATOR_MALFORMED_ANSWER',
      message: 'expected 2 × 10 probabilities, got 3 values',
    })
    const text = textTask('x'.repeat(100), 'm', 1, () => 0.5)
    expect(thrown(() => text.quality([{ choices: [{}] }]))).toEqual({
      code: 'VALIDATOR_MALFORMED_ANSWER',
      message: 'the response has no choices[0].text',
    })
  })

  it('miner requests, models and reference weights', () => {
    expect(codeAndMessage(new MinerRequestFailedError({ status: 403, code: 'NO_PERMIT', message: 'no' }))).toEqual({
      code: 'VALIDATOR_MINER_REQUEST_FAILED',
      message: 'HTTP 403 NO_PERMIT no',
    })
    expect(codeAndMessage(new MinerRequestFailedError({ status: 500, code: undefined, message: undefined }))).toEqual({
      code: 'VALIDATOR_MINER_REQUEST_FAILED',
      message: 'HTTP 500',
    })
    expect(codeAndMessage(new NoModelForTaskError('tensor'))).toEqual({
      code: 'VALIDATOR_NO_MODEL_FOR_TASK',
      message: 'it serves no tensor model',
    })
    expect(codeAndMessage(new ReferenceWeightsUnavailableError({ cid: 'bafy', status: 404 }))).toEqual({
      code: 'VALIDATOR_WEIGHTS_UNAVAILABLE',
      message: 'its weights bafy answered HTTP 404',
    })
    expect(codeAndMessage(new ReferenceWeightsMismatchError('bafy'))).toEqual({
      code: 'VALIDATOR_WEIGHTS_CID_MISMATCH',
      message: 'its weights do not hash to bafy',
    })
    expect(codeAndMessage(new FinalProposalUnreadableError({ netuid: 2n, epoch: 7n }))).toEqual({
      code: 'EPOCH_FINAL_PROPOSAL_UNREADABLE',
      message: 'epoch 7 of subnet 2 is final but its proposal cannot be read from calldata',
    })
  })

  it('a deployments file for another chain is refused with its fix', () => {
    const dataDir = tempDir()
    const file = deploymentsPath(dataDir, 31337)
    mkdirSync(join(dataDir, 'deployments'), { recursive: true })
    writeFileSync(file, JSON.stringify({ chainId: 1, contracts: {} }))
    let error: unknown
    try {
      readDeployments(dataDir, 31337)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(DeploymentsCorruptError)
    expect(codeAndMessage(error)).toEqual({
      code: 'DEPLOYMENTS_CORRUPT',
      message: `The deployments file ${file} is unreadable (it is for chain 1). Fix or remove it, then run \`mycel deploy\` again.`,
    })
  })
})
