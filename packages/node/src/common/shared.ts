/**
 * One answer for many askers: `sharedFor(ttlMs, compute)` returns a function whose callers within `ttlMs` of a
 * computation's start, or while it runs, share its promise instead of starting their own. For read views polled by
 * many clients (the dashboard's `/api/incentives`), where a fresh computation per request would let a few hundred
 * viewers saturate the node. A failed computation is not kept: the next caller tries again.
 */
export function sharedFor<K, V>(
  ttlMs: number,
  compute: (key: K) => Promise<V>,
  now: () => number = Date.now,
): (key: K) => Promise<V> {
  const entries = new Map<K, { startedAt: number; value: Promise<V> }>()
  return (key) => {
    const hit = entries.get(key)
    if (hit && now() - hit.startedAt < ttlMs) return hit.value
    // Entries past their time are dropped as new ones come, so the map holds at most the keys of one period.
    for (const [k, entry] of entries) if (now() - entry.startedAt >= ttlMs) entries.delete(k)
    const value = compute(key)
    entries.set(key, { startedAt: now(), value })
    value.catch(() => {
      if (entries.get(key)?.value === value) entries.delete(key)
    })
    return value
  }
}
