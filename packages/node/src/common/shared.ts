/**
 * One answer for many askers: `sharedFor(ttlMs, compute)` returns a function whose callers within `ttlMs` of a
 * computation's start, or while it runs, share its promise instead of starting their own. For read views polled by
 * many clients (the dashboard's `/api/incentives`), where a fresh computation per request would let a few hundred
 * viewers saturate the node. A failed computation is not kept: the next caller tries again.
 *
 * With `stale`, callers wait for a refresh at most `stale.waitMs`: a refresh slower than that (a chain walk under
 * load) answers them with the last answer computed, if that one started less than `stale.maxAgeMs` ago. An idle node
 * answers fresh; a loaded one answers within `waitMs` with what it read at most `maxAgeMs` ago.
 */
export function sharedFor<K, V>(
  ttlMs: number,
  compute: (key: K) => Promise<V>,
  options: { now?: () => number; stale?: { waitMs: number; maxAgeMs: number } } = {},
): (key: K) => Promise<V> {
  const now = options.now ?? Date.now
  const staleMs = options.stale?.maxAgeMs ?? 0
  const waitMs = options.stale?.waitMs ?? 0
  const entries = new Map<K, { startedAt: number; running: boolean; value: Promise<V> }>()
  const last = new Map<K, { startedAt: number; value: V }>()
  const fresh = (entry: { startedAt: number; running: boolean }) => entry.running || now() - entry.startedAt < ttlMs
  /** The refresh's answer, or the last one kept if the refresh takes longer than `waitMs`. */
  const answer = (key: K, refresh: Promise<V>) => {
    const kept = last.get(key)
    if (!kept || now() - kept.startedAt >= staleMs) return refresh
    let timer: ReturnType<typeof setTimeout> | undefined
    const late = new Promise<V>((resolve) => {
      timer = setTimeout(() => resolve(kept.value), waitMs)
      timer.unref?.()
    })
    return Promise.race([refresh.finally(() => clearTimeout(timer)), late])
  }
  return (key) => {
    const hit = entries.get(key)
    // Shared while it runs, however long: a walk slower than the period under load must not start another walk per
    // caller, each one slowing the next.
    if (hit && fresh(hit)) return hit.running ? answer(key, hit.value) : hit.value
    // Entries past their time are dropped as new ones come, so the map holds at most the keys of one period.
    for (const [k, entry] of entries) if (!fresh(entry)) entries.delete(k)
    for (const [k, kept] of last) if (now() - kept.startedAt >= staleMs) last.delete(k)
    const entry = { startedAt: now(), running: true, value: compute(key) }
    entries.set(key, entry)
    entry.value.then(
      (value) => {
        entry.running = false
        if (staleMs > 0) last.set(key, { startedAt: entry.startedAt, value })
      },
      () => {
        entry.running = false
        if (entries.get(key) === entry) entries.delete(key)
      },
    )
    return answer(key, entry.value)
  }
}

/** The read views' bound under load: a caller waits at most a second, for data read at most 30 seconds ago. */
export const READ_VIEW_STALE = { waitMs: 1000, maxAgeMs: 30_000 }
