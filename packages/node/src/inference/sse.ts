/**
 * Server-sent events, as OpenAI-compatible streams use them: events end with a blank line, and the payload is on
 * `data:` lines. One splitter for every reader of such streams here (upstream backend, gateway, CLI).
 */

export type SseSplitter = {
  /** The complete events in the bytes read so far (each with its blank line); a partial one waits for more. */
  push: (bytes: Uint8Array) => string[]
  /** What is left once the stream ended (an event without its blank line), or ''. */
  rest: () => string
}

export function createSseSplitter(): SseSplitter {
  const decoder = new TextDecoder()
  let buffer = ''
  return {
    push(bytes) {
      buffer += decoder.decode(bytes, { stream: true }).replace(/\r\n/g, '\n')
      const events: string[] = []
      let end = buffer.indexOf('\n\n')
      while (end >= 0) {
        events.push(buffer.slice(0, end + 2))
        buffer = buffer.slice(end + 2)
        end = buffer.indexOf('\n\n')
      }
      return events
    },
    rest: () => buffer,
  }
}

/** The payload of an event: its `data:` lines joined, or undefined when it has none. */
export function sseData(event: string): string | undefined {
  const lines = event
    .split('\n')
    .filter((l) => l.startsWith('data:'))
    .map((l) => l.slice(5).replace(/^ /, ''))
  return lines.length > 0 ? lines.join('\n').trim() : undefined
}
