/**
 * Node options: one schema, one place for precedence. CLI flag > environment > config file > default, validated
 * once with zod. A bad value fails with one line naming the field, the value, and where to set it.
 */
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { z } from 'zod'
import { InvalidOptionsError } from '../common/errors.ts'
import { InvalidConfigFileError } from './errors.ts'

/**
 * Strings become numbers only when they are plain decimal digits ("8080"), so "", "+80", "0x50" or "1e3" are refused
 * rather than read as some other port; null is refused too (0 would mean "any free port").
 */
const digitsOnly = (value: unknown) => {
  if (value === null) return undefined
  if (typeof value !== 'string') return value
  const trimmed = value.trim()
  return /^\d+$/.test(trimmed) ? Number(trimmed) : value
}

const port = z.preprocess(
  digitsOnly,
  z
    .number({ error: 'expected a port number' })
    .int({ error: 'expected an integer port' })
    .min(0, { error: 'expected a port from 0 to 65535' })
    .max(65535, { error: 'expected a port from 0 to 65535' }),
)

const httpUrl = z
  .string()
  .refine((v) => /^https?:\/\/[^\s/]+/.test(v), { error: 'expected an http:// or https:// URL' })

/** A list from a config-file array or a comma-separated string (environment, flags). */
const list = z.preprocess(
  (value) =>
    typeof value === 'string'
      ? value
          .split(',')
          .map((v) => v.trim())
          .filter((v) => v.length > 0)
      : value,
  z.array(z.string().min(1)).min(1, { error: 'expected at least one entry' }),
)

/** A whole number of token units, as decimal digits (numbers in JSON are accepted when exact). */
const tokenAmount = z.preprocess(
  (value) => (typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value),
  z.string().regex(/^(0|[1-9]\d{0,29})$/, { error: 'expected a whole number of token units, e.g. "1000000"' }),
)

const price = z.strictObject({ perRequest: tokenAmount.optional(), per1kUnits: tokenAmount.optional() })

/** `auto`: on when the node runs the devnet (embedded or `mycel devnet`), off on an external chain. */
const role = z.enum(['auto', 'on', 'off'], { error: 'expected auto, on or off' })

/** Whether a role set to `value` runs: `on`, or `auto` on a devnet the node runs or joined. */
export const roleEnabled = (value: 'auto' | 'on' | 'off', devnet: boolean) =>
  value === 'on' || (value === 'auto' && devnet)

export const optionsSchema = z.strictObject({
  dataDir: z.string().min(1).default('./.mycel'),
  rpcUrl: httpUrl.optional(),
  host: z.string().min(1).default('127.0.0.1'),
  port: port.default(8080),
  devnetPort: port.default(0),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  /** `auto`: readable lines on a terminal, JSON lines otherwise. */
  logFormat: z.enum(['auto', 'json', 'pretty']).default('auto'),
  pollIntervalMs: z.coerce.number().int().min(50).max(60_000).default(1000),
  /** Blocks behind the head the indexer stays, so shallow reorgs on a real chain never reach the index. */
  confirmations: z.coerce.number().int().min(0).max(1000).default(0),
  /** Seconds between anvil state dumps (what a SIGKILL can lose at most). */
  stateIntervalSeconds: z.coerce.number().int().min(1).max(3600).default(1),
  /** Create the built-in subnets on a fresh devnet. */
  seed: z.stringbool().or(z.boolean()).default(true),
  /** Serve the dashboard from this folder (set by the CLI to apps/web). */
  dashboardDir: z.string().optional(),
  /** Token that miners are paid in and gateways pay with; on the devnet, the test stablecoin by default. */
  paymentToken: z
    .string()
    .regex(/^0x[0-9a-fA-F]{40}$/, { error: 'expected a token address (0x followed by 40 hex digits)' })
    .optional(),
  /** Run a miner serving `minerModels`. */
  miner: role.default('auto'),
  /** Built-in ids (digits, text), .onnx files (`name=path` to choose the id), or OpenAI-compatible upstream URLs. */
  minerModels: list.default(['digits', 'text']),
  minerPort: port.default(8081),
  /** URL published on chain for the miner; defaults to http://host:minerPort. */
  minerPublicUrl: httpUrl.optional(),
  /** `dev:N` (devnet test account N) or a keystore name (password in MYCEL_PASSWORD / MYCEL_PASSWORD_FILE). */
  minerKey: z.string().min(1).default('dev:2'),
  /** Subnets (by name) the miner registers in; `auto`: text-generation subnets for text models, and subnets named
   * like its tensor models. */
  minerSubnets: list.default(['auto']),
  /** Prices per model id ("*" for all others), in token units: { "text": { "perRequest": "100", "per1kUnits": "1000" } }. */
  minerPrices: z
    .preprocess(
      (value) => {
        if (typeof value !== 'string') return value
        try {
          return JSON.parse(value)
        } catch {
          return value
        }
      },
      z.record(z.string().min(1), price),
    )
    .default({}),
  /** Claim a channel once it owes this much (token units). */
  claimThreshold: tokenAmount.default('1000000'),
  /** Claim a channel whose oldest unclaimed voucher is this old. */
  claimMaxAgeSeconds: z.coerce
    .number()
    .int()
    .min(1)
    .max(30 * 86400)
    .default(3600),
  /** Run the gateway (`/v1`, `/v2` on the node's port). */
  gateway: role.default('auto'),
  /** The gateway's paying account: `dev:N` or a keystore name. */
  gatewayKey: z.string().min(1).default('dev:1'),
  /** Run a validator: score the miners of its subnets over the signed transport, set weights by commit-reveal. */
  validator: role.default('auto'),
  /** The validator's hotkey: `dev:N` or a keystore name. */
  validatorKey: z.string().min(1).default('dev:3'),
  /** Subnets (by name) to validate; `auto`: every subnet on the devnet, else those it is registered in as validator. */
  validatorSubnets: list.default(['auto']),
  /** On the devnet: MYC (wei) the validator stakes on itself when its stake is lower, so it holds a permit. */
  validatorStake: tokenAmount.default('1000000000000000000000'),
  /** Milliseconds between scoring rounds. */
  validatorIntervalMs: z.coerce.number().int().min(200).max(3_600_000).default(5000),
  /** Epoch duties: propose, check (and dispute), finalize and claim the epochs of the validated subnets. */
  epochs: role.default('auto'),
  /** The demo incentive subnet on the devnet: graded miners and a second validator in the `digits` subnet. */
  subnetDemo: z.stringbool().or(z.boolean()).default(false),
  /** Seconds between empty blocks on a devnet this node runs (epochs count blocks); 0 mines only on transactions. */
  devnetBlockSeconds: z.coerce.number().min(0).max(3600).default(1),
  /**
   * Run the vault (docs/data.md): release the keys of the datasets this data dir holds to grantees with a valid
   * grant on chain, and log every request.
   */
  vault: role.default('on'),
  /** Run a training provider (docs/training.md): bid on jobs, train them, answer disputes. `npm start` turns it on. */
  trainer: role.default('off'),
  /** The trainer's account: `dev:N` or a keystore name (on the devnet the node gives it ETH and its stake). */
  trainerKey: z.string().min(1).default('dev:10'),
  /** MYC (wei) the trainer stakes when it registers. */
  trainerStake: tokenAmount.default('1000000000000000000000'),
  /** What the trainer asks per training step, in the job's payment token units. */
  trainerPricePerStep: tokenAmount.default('100'),
  /** The largest model the trainer takes, in parameters. */
  trainerMaxParameters: z.coerce.number().int().min(1).max(1e9).default(5_000_000),
  /** Run a training verifier: re-execute segments of others' results and challenge on a mismatch. */
  verifier: role.default('off'),
  /** The verifier's account: `dev:N` or a keystore name. */
  verifierKey: z.string().min(1).default('dev:11'),
  /** MYC (wei) the verifier stakes when it registers (a challenge locks a tenth of a job's bond from it). */
  verifierStake: tokenAmount.default('1000000000000000000000'),
  /** Segments of each result the verifier re-executes, besides the initial state and the model root. */
  verifierSegments: z.coerce.number().int().min(1).max(1024).default(2),
  /** On a fresh devnet, the buyer (the treasury) posts the example MNIST training job (`npm start`). */
  trainingDemo: z.stringbool().or(z.boolean()).default(false),
  /** Most the gateway deposits in all its channels together (token units). */
  gatewayBudget: tokenAmount.default('100000000'),
  /** Deposit of each channel the gateway opens, and of each top-up (token units). */
  gatewayChannelDeposit: tokenAmount.default('10000000'),
  /**
   * What the gateway asks of its clients (docs/x402.md, "The gateway"): `free` (it pays miners from its budget; a
   * client may still pay a request itself with x402 `exact`, which it must once the budget is spent) or `x402`
   * (every request for a paid model carries an x402 `exact` payment to the gateway).
   */
  gatewayCharge: z.enum(['free', 'x402']).default('free'),
  /** The gateway's markup on what a request can cost at its best-ranked miner, in basis points (x402 charges). */
  gatewayMarkupBps: z.coerce.number().int().min(0).max(100_000).default(0),
})

export type NodeOptions = z.output<typeof optionsSchema>
export type NodeOptionsInput = z.input<typeof optionsSchema>

/** Environment variable for each option. */
export const optionEnv: Record<keyof NodeOptions, string> = {
  dataDir: 'MYCEL_DATA_DIR',
  rpcUrl: 'MYCEL_RPC_URL',
  host: 'MYCEL_HOST',
  port: 'MYCEL_PORT',
  devnetPort: 'MYCEL_DEVNET_PORT',
  logLevel: 'MYCEL_LOG_LEVEL',
  logFormat: 'MYCEL_LOG_FORMAT',
  pollIntervalMs: 'MYCEL_POLL_INTERVAL_MS',
  confirmations: 'MYCEL_CONFIRMATIONS',
  stateIntervalSeconds: 'MYCEL_STATE_INTERVAL',
  seed: 'MYCEL_SEED',
  dashboardDir: 'MYCEL_DASHBOARD_DIR',
  paymentToken: 'MYCEL_PAYMENT_TOKEN',
  miner: 'MYCEL_MINER',
  minerModels: 'MYCEL_MINER_MODELS',
  minerPort: 'MYCEL_MINER_PORT',
  minerPublicUrl: 'MYCEL_MINER_PUBLIC_URL',
  minerKey: 'MYCEL_MINER_KEY',
  minerSubnets: 'MYCEL_MINER_SUBNETS',
  minerPrices: 'MYCEL_MINER_PRICES',
  claimThreshold: 'MYCEL_CLAIM_THRESHOLD',
  claimMaxAgeSeconds: 'MYCEL_CLAIM_MAX_AGE',
  gateway: 'MYCEL_GATEWAY',
  gatewayKey: 'MYCEL_GATEWAY_KEY',
  validator: 'MYCEL_VALIDATOR',
  validatorKey: 'MYCEL_VALIDATOR_KEY',
  validatorSubnets: 'MYCEL_VALIDATOR_SUBNETS',
  validatorStake: 'MYCEL_VALIDATOR_STAKE',
  validatorIntervalMs: 'MYCEL_VALIDATOR_INTERVAL_MS',
  epochs: 'MYCEL_EPOCHS',
  subnetDemo: 'MYCEL_SUBNET_DEMO',
  devnetBlockSeconds: 'MYCEL_DEVNET_BLOCK_SECONDS',
  vault: 'MYCEL_VAULT',
  trainer: 'MYCEL_TRAINER',
  trainerKey: 'MYCEL_TRAINER_KEY',
  trainerStake: 'MYCEL_TRAINER_STAKE',
  trainerPricePerStep: 'MYCEL_TRAINER_PRICE_PER_STEP',
  trainerMaxParameters: 'MYCEL_TRAINER_MAX_PARAMETERS',
  verifier: 'MYCEL_VERIFIER',
  verifierKey: 'MYCEL_VERIFIER_KEY',
  verifierStake: 'MYCEL_VERIFIER_STAKE',
  verifierSegments: 'MYCEL_VERIFIER_SEGMENTS',
  trainingDemo: 'MYCEL_TRAINING_DEMO',
  gatewayBudget: 'MYCEL_GATEWAY_BUDGET',
  gatewayChannelDeposit: 'MYCEL_GATEWAY_CHANNEL_DEPOSIT',
  gatewayCharge: 'MYCEL_GATEWAY_CHARGE',
  gatewayMarkupBps: 'MYCEL_GATEWAY_MARKUP_BPS',
}

/** The CLI flag for each option that has one (others are set by environment or config file only). */
export const optionFlag: Partial<Record<keyof NodeOptions, string>> = {
  dataDir: '--data-dir',
  rpcUrl: '--rpc',
  host: '--host',
  port: '--port',
  devnetPort: '--devnet-port',
  logLevel: '--log-level',
  logFormat: '--log-format',
  seed: '--no-seed',
  miner: '--miner',
  minerModels: '--model',
  minerPort: '--miner-port',
  minerKey: '--miner-key',
  gateway: '--gateway',
  gatewayKey: '--gateway-key',
  paymentToken: '--payment-token',
  gatewayCharge: '--gateway-charge',
  gatewayMarkupBps: '--gateway-markup-bps',
}

const flagOf = (key: string) => optionFlag[key as keyof NodeOptions] ?? key

export type ResolveOptionsParameters = {
  /** Values from CLI flags (undefined = not given). */
  flags?: Partial<Record<keyof NodeOptions, unknown>>
  env?: Record<string, string | undefined>
  /** Explicit config file; otherwise MYCEL_CONFIG, otherwise ./mycel.config.json when present. */
  configFile?: string | undefined
  cwd?: string
}

/** Merges flags, environment, config file and defaults, in that order of precedence, and validates the result. */
export function resolveOptions(parameters: ResolveOptionsParameters = {}): NodeOptions {
  const env = parameters.env ?? process.env
  const cwd = parameters.cwd ?? process.cwd()
  const explicitConfig = parameters.configFile ?? env.MYCEL_CONFIG
  const configPath = resolve(cwd, explicitConfig ?? 'mycel.config.json')
  let fileValues: Record<string, unknown> = {}
  if (existsSync(configPath)) {
    let parsed: unknown
    try {
      parsed = JSON.parse(readFileSync(configPath, 'utf8'))
    } catch (error) {
      throw new InvalidConfigFileError({ file: configPath, reason: (error as Error).message })
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new InvalidConfigFileError({ file: configPath, reason: 'not a JSON object' })
    }
    fileValues = parsed as Record<string, unknown>
  } else if (explicitConfig !== undefined) {
    throw new InvalidOptionsError(`Config file ${configPath} does not exist. Fix --config / MYCEL_CONFIG.`)
  }

  const merged: Record<string, unknown> = {}
  const source: Record<string, string> = {}
  for (const [key, value] of Object.entries(fileValues)) {
    merged[key] = value
    source[key] = `"${key}" in ${configPath}`
  }
  for (const [key, name] of Object.entries(optionEnv)) {
    const value = env[name]
    if (value !== undefined && value !== '') {
      merged[key] = value
      source[key] = `environment variable ${name}`
    }
  }
  for (const [key, value] of Object.entries(parameters.flags ?? {})) {
    if (value !== undefined) {
      merged[key] = value
      source[key] = `flag ${flagOf(key)}`
    }
  }

  const result = optionsSchema.safeParse(merged)
  if (!result.success) {
    const issue = result.error.issues[0]
    const field = issue?.path.join('.') || (issue && 'keys' in issue ? String(issue.keys) : 'options')
    if (issue?.code === 'unrecognized_keys') {
      throw new InvalidOptionsError(
        `Invalid config: unknown option ${issue.keys.map((k) => `"${k}"`).join(', ')} in ${configPath}. Known options: ${Object.keys(optionEnv).join(', ')}.`,
      )
    }
    const where = source[field] ?? `"${field}"`
    const value = merged[field]
    const flag = optionFlag[field as keyof NodeOptions]
    const alternative = flag ? `use ${flag}` : `set ${optionEnv[field as keyof NodeOptions] ?? field}`
    throw new InvalidOptionsError(
      `Invalid config: ${field} = ${JSON.stringify(value)}: ${issue?.message ?? 'invalid'} (set by ${where}${where.startsWith('flag') ? '' : `; fix it there or ${alternative}`}).`,
    )
  }
  return { ...result.data, dataDir: resolve(cwd, result.data.dataDir) }
}
