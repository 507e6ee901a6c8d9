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
  const entries = new Map<K, { startedAt: number; running: boolean; value: Promise<V> }>()
  const fresh = (entry: { startedAt: number; running: boolean }) => entry.running || now() - entry.startedAt < ttlMs
  return (key) => {
    const hit = entries.get(key)
    // Shared while it runs, however long: a walk slower than the period under load must not start another walk per
    // caller (each one slowing the next: the stampede that made every data route's p99 about 30 s at 200 clients).
    if (hit && fresh(hit)) return hit.value
    // Entries past their time are dropped as new ones come, so the map holds at most the keys of one period.
    for (const [k, entry] of entries) if (!fresh(entry)) entries.delete(k)
    const entry = { startedAt: now(), running: true, value: compute(key) }
    entries.set(key, entry)
    entry.value.then(
      () => {
        entry.running = false
      },
      () => {
        entry.running = false
        if (entries.get(key) === entry) entries.delete(key)
      },
    )
    return entry.value
  }
}
