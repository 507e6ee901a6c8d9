/** Reads a secret from the terminal without echoing it, or the first line of stdin when it is not a terminal. */
import { NodeError } from '@mycel/node'

export async function readSecret(prompt: string): Promise<string> {
  const stdin = process.stdin
  if (!stdin.isTTY) {
    const chunks: Buffer[] = []
    for await (const chunk of stdin) chunks.push(chunk as Buffer)
    const text = Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? ''
    if (text.length === 0) {
      throw new NodeError(
        'NO_SECRET',
        `${prompt.trim()} nothing on stdin: pipe it in, or use --password-file / MYCEL_PASSWORD.`,
        {
          exitCode: 2,
        },
      )
    }
    return text
  }
  process.stderr.write(prompt)
  stdin.setRawMode(true)
  stdin.resume()
  return new Promise((resolve, reject) => {
    let value = ''
    const onData = (data: Buffer) => {
      for (const char of data.toString('utf8')) {
        if (char === '\r' || char === '\n') {
          finish()
          return resolve(value)
        }
        if (char === '\u0003') {
          finish()
          return reject(new NodeError('CANCELLED', 'Cancelled.', { exitCode: 130 }))
        }
        if (char === '\u007f') value = value.slice(0, -1)
        else value += char
      }
    }
    const finish = () => {
      stdin.off('data', onData)
      stdin.setRawMode(false)
      stdin.pause()
      process.stderr.write('\n')
    }
    stdin.on('data', onData)
  })
}
