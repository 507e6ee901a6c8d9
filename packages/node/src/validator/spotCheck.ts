/**
 * Spot checks of deterministic models: the validator re-executes a task's inputs with the weights the miner
 * published (fetched by CID) and compares the outputs; a miner whose outputs differ loses its score.
 */
import type { Tensor } from '../inference/backend.ts'
import type { MinerClient } from './minerClient.ts'
import { outputOf } from './tasks.ts'

/** Largest difference between a miner's output and the re-executed one that still passes a spot check. */
export const SPOT_TOLERANCE = 1e-4

/** Whether the miner's `answer` to `tensors` differs from what its published weights `weightsCid` compute. */
export async function spotCheckFails(
  client: MinerClient,
  check: { weightsCid: string; endpoint: string; tensors: Tensor[]; answer: unknown },
): Promise<boolean> {
  const local = await client.reference(check.weightsCid, check.endpoint)
  const expected = outputOf({ outputs: await local.tensor?.infer(check.tensors, undefined) })
  const got = outputOf(check.answer)
  return expected.length !== got.length || expected.some((x, i) => Math.abs(x - (got[i] as number)) > SPOT_TOLERANCE)
}
