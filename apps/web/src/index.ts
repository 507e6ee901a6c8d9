/**
 * The dashboard's built files (`npm run build:web` → `apps/web/dist`), served by the node at `/`. The dashboard's
 * sources are in `ui/` (Preact + Chart.js); it talks only to the node's HTTP API under `/api`.
 */
import { fileURLToPath } from 'node:url'

export const dashboardDir = fileURLToPath(new URL('../dist', import.meta.url))
