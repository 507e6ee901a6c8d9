/**
 * A subnet's consensus parameters as the registry stores them (u16 fractions, ppm, blocks). A plain type below the
 * actions, so the pure epoch math (`epochs/buildEpoch.ts`) and the registry actions share it without the math
 * importing an action.
 */
export type SubnetParams = {
  tempo: number
  kappa: number
  bondsPenalty: number
  bondsMovingAverage: number
  yuma3: boolean
  liquidAlpha: boolean
  alphaLow: number
  alphaHigh: number
  alphaSigmoidSteepness: number
  commitRevealPeriod: number
  weightsRateLimit: number
  maxValidators: number
  immunityPeriod: number
  activityCutoff: number
}
