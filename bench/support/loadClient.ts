/**
 * The HTTP client of the load benchmarks: node:http with a keep-alive agent and no socket limit, so each concurrent
 * client holds its own connection. (fetch's pool, undici, queued a few percent of the first burst's requests behind
 * busy connections for the whole run: at 200 clients against a plain Node server that sleeps 10 ms a request, 133 of
 * 2,455 requests took over 3 s, every one sent in the first 0.4 s — while node:http's agent had none. Those waits
 * were the load generator's, not the server's, and made every route's p99 look like 30 s.)
 */
import http from 'node:http'

const agent = new http.Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY })

export type LoadResponse = { status: number; text: string }

/** One request, its whole body read. */
export function request(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<LoadResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method ?? 'GET', headers: init.headers, agent }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(init.body)
  })
}

/** Closes the kept-alive sockets (at the end of a run). */
export const closeLoadClient = () => agent.destroy()
