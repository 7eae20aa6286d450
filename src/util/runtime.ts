// Which Node.js lines the gateway supports. An older Node still runs it (so an upgrade can be planned
// rather than forced), but `npm start` says so once, with the version it found.

/** The maintained LTS lines the suite runs on in CI; the first is the recommended one. */
export const SUPPORTED_NODE_LINES = [24, 22] as const
/** Oldest supported major; package.json `engines` says the same (a test keeps them in step). */
export const MIN_NODE_MAJOR = Math.min(...SUPPORTED_NODE_LINES)

/** Major number of a Node version string such as `v20.20.2`; NaN when it is not one. */
export function nodeMajor(version: string): number {
  const match = /^v?(\d+)\./.exec(version)
  return match ? Number(match[1]) : Number.NaN
}

/** The warning for `version` when it is older than every supported line, otherwise undefined. */
export function unsupportedNodeWarning(version: string): string | undefined {
  const major = nodeMajor(version)
  // An unparsable version is not called unsupported: a warning must never be a guess.
  if (!(major < MIN_NODE_MAJOR)) return undefined
  const lines = [...SUPPORTED_NODE_LINES].sort((a, b) => a - b).join(' and ')
  return `Warning: Node.js ${version} is not supported; the supported lines are Node.js ${lines} ` +
    `(${SUPPORTED_NODE_LINES[0]} recommended). Starting anyway; please upgrade.`
}

/** Prints the warning (once per call) when the running Node is too old; says whether it did. */
export function warnIfUnsupportedNode(version: string = process.version, warn: (line: string) => void = console.warn): boolean {
  const warning = unsupportedNodeWarning(version)
  if (warning) warn(warning)
  return warning !== undefined
}
