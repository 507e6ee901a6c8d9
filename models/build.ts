/**
 * `npm run build:models` (run at install, after the contracts): builds the derived files the node reads at run time
 * into models/out (see src/artifacts.ts). Files already built for the current code are kept.
 */
import { gradedDigits, gradedDigitsOnnx } from './digits/graded.ts'
import { artifactsDir } from './src/artifacts.ts'
import { heldOutDigits, heldOutText } from './src/heldOut.ts'

const started = performance.now()
for (const id of Object.keys(gradedDigits) as (keyof typeof gradedDigits)[]) gradedDigitsOnnx(id)
heldOutDigits()
heldOutText()
process.stdout.write(`models: artifacts in ${artifactsDir} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`)
