/**
 * Errors the node raises for things a user must fix (bad config, a busy port, an unreachable RPC, a corrupt devnet
 * state file). Each names what was wrong and how to fix it; `exitCode` is what the CLI exits with.
 */
import { BaseError } from '@mycel/sdk'

export class NodeError extends BaseError {
  override name = 'NodeError'
  /** Stable machine-readable code. */
  readonly code: string
  /** Process exit code the CLI should use (2 = usage/config error, 1 = runtime failure). */
  readonly exitCode: number
  constructor(code: string, message: string, options: { exitCode?: number; cause?: unknown; details?: string } = {}) {
    super(message, { cause: options.cause, details: options.details })
    this.code = code
    this.exitCode = options.exitCode ?? 1
  }
}

export class InvalidOptionsError extends NodeError {
  override name = 'InvalidOptionsError'
  constructor(message: string) {
    super('INVALID_CONFIG', message, { exitCode: 2 })
  }
}

export class PortInUseError extends NodeError {
  override name = 'PortInUseError'
  readonly port: number
  /** `setting`: how the user chooses this port, e.g. "--port / MYCEL_PORT". */
  constructor({ host, port, what, setting }: { host: string; port: number; what: string; setting: string }) {
    super(
      'PORT_IN_USE',
      `Port ${port} on ${host} is already in use (${what}). Stop the other process or choose another port with ${setting}.`,
    )
    this.port = port
  }
}

export class RpcUnreachableError extends NodeError {
  override name = 'RpcUnreachableError'
  constructor({ rpcUrl, cause }: { rpcUrl: string; cause?: unknown }) {
    const reason = cause instanceof Error ? (cause.message.split('\n')[0] ?? '') : ''
    super(
      'RPC_UNREACHABLE',
      `Cannot reach the chain at ${rpcUrl}${reason ? ` (${reason})` : ''}. Check the URL and that the node behind it is running, or omit rpcUrl to use the embedded devnet.`,
      { cause },
    )
  }
}

export class DevnetStateCorruptError extends NodeError {
  override name = 'DevnetStateCorruptError'
  constructor({ file, reason }: { file: string; reason: string }) {
    super(
      'DEVNET_STATE_CORRUPT',
      `The devnet state file ${file} is unreadable (${reason}). Nothing was deleted. Inspect or back it up, then run \`mycel devnet reset\` to start a fresh chain.`,
    )
  }
}

export class DevnetStartError extends NodeError {
  override name = 'DevnetStartError'
  constructor(message: string, cause?: unknown) {
    super('DEVNET_START_FAILED', message, { cause })
  }
}

export class NotDeployedError extends NodeError {
  override name = 'NotDeployedError'
  constructor({ chainId, file }: { chainId: number; file: string }) {
    super(
      'NOT_DEPLOYED',
      `The mycel contracts are not deployed on chain ${chainId} (no ${file}). Run \`mycel deploy --rpc <url> --key <name>\` first.`,
    )
  }
}
