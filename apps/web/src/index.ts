/** The dashboard's static files, served by the node at `/`. It talks only to the node's HTTP API. */
import { fileURLToPath } from 'node:url'

export const dashboardDir = fileURLToPath(new URL('../public', import.meta.url))
