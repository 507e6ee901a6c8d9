/**
 * The governance steps the Models view sends: `POST /api/models/:id/governance/<step>` with the devnet account (by
 * index) that signs. The node signs with that devnet key and answers JSON; its errors (`{ error: { code, message } }`)
 * come back as one readable line, never thrown, so the form can show them.
 */
export type Step = 'delegate' | 'propose' | 'vote' | 'queue' | 'execute'
export type StepResult = { ok: true; body: unknown } | { ok: false; error: string }

export async function sendStep(modelId: string, step: Step, body: Record<string, unknown>): Promise<StepResult> {
  let response: Response
  try {
    response = await fetch(`/api/models/${encodeURIComponent(modelId)}/governance/${step}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
  } catch (error) {
    return { ok: false, error: `node unreachable (${(error as Error).message})` }
  }
  let parsed: unknown
  try {
    parsed = await response.json()
  } catch {
    parsed = undefined
  }
  if (response.ok) return { ok: true, body: parsed }
  const failure = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error
  const code = failure?.code ?? `HTTP ${response.status}`
  return { ok: false, error: failure?.message ? `${code}: ${failure.message}` : code }
}

/** A step's answer in one line: its fields except the action, long hex values and ids shortened (`0x1234…abcd`). */
export function summary(body: unknown): string {
  if (typeof body !== 'object' || body === null) return ''
  return Object.entries(body as Record<string, unknown>)
    .filter(([key]) => key !== 'action' && key !== 'description')
    .map(([key, value]) => {
      const text = String(value)
      return `${key} ${text.length > 14 ? `${text.slice(0, 6)}…${text.slice(-4)}` : text}`
    })
    .join(', ')
}
