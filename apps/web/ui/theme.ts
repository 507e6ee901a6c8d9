/** The dashboard's colours, shared by the stylesheet's variables and the charts (Chart.js draws on a canvas). */
export const theme = {
  text: '#e4ece8',
  muted: '#8fa39a',
  line: '#2a3832',
  accent: '#5fd39b',
  warn: '#e0b050',
  bad: '#e06a5a',
  info: '#6aa8e8',
  rest: '#4a5a53',
  consensus: '#6aa8e8',
  incentive: '#5fd39b',
} as const

// Miner uids get a colour each; validators use `warn` and the rest of an epoch's emission `rest`.
const palette = [
  '#5fd39b',
  '#6aa8e8',
  '#b58be8',
  '#e07fb0',
  '#4fd0d6',
  '#9ccc65',
  '#8f9cf2',
  '#3fa57a',
  '#a8d8ff',
  '#d6a2e8',
]
export const uidColor = (uid: number) => palette[Math.abs(Math.trunc(uid)) % palette.length] ?? theme.accent
