/** Whether the CLI bundle in `dist` is current (see bundle.js). */
export function bundleIsCurrent(dist: string, root: string): boolean
