/**
 * The endpoint rule of `SubnetRegistry._checkEndpoint`, in TypeScript, so that clients reject a bad URL before
 * spending gas. A property test checks it agrees with the contract on random strings.
 */
export const MIN_ENDPOINT_LENGTH = 10
export const MAX_ENDPOINT_LENGTH = 256

/** Whether the registry accepts `endpoint` (byte-wise, as the contract sees the UTF-8 string). */
export function isValidEndpoint(endpoint: string): boolean {
  const bytes = new TextEncoder().encode(endpoint)
  if (bytes.length < MIN_ENDPOINT_LENGTH || bytes.length > MAX_ENDPOINT_LENGTH) return false
  let schemeLength: number
  if (endpoint.startsWith('http://')) schemeLength = 7
  else if (bytes.length > 8 && endpoint.startsWith('https://')) schemeLength = 8
  else return false
  if (bytes[schemeLength] === 0x2f) return false
  for (let i = schemeLength; i < bytes.length; i++) {
    const c = bytes[i] as number
    if (c < 0x21 || c > 0x7e) return false
  }
  return true
}
