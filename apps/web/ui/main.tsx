/** The dashboard's entry point: mounts the app into `<body>`. Built by `npm run build:web` into `dist/app.js`. */
import { render } from 'preact'
import { App } from './app.tsx'

const root = document.getElementById('app')
if (root) {
  root.replaceChildren() // the static "Loading…" line
  render(<App />, root)
}
