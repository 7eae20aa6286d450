// Pulls the shell commands out of a Markdown file's ```bash blocks: continuation lines joined,
// comments (outside quotes) dropped, one entry per command with the block's heading for messages.

export interface DocCommand {
  /** The command line as a user would paste it (continuations joined). */
  text: string
  /** The nearest heading above the block, to say where a failing example lives. */
  section: string
  /** 1-based line of the command's first line in the file. */
  line: number
}

/** Removes a `# comment` that starts outside quotes (a `#` after whitespace or at the start). */
export function stripComment(line: string): string {
  let quote: string | undefined
  for (let i = 0; i < line.length; i++) {
    const c = line[i]
    if (quote) {
      if (c === quote) quote = undefined
      else if (c === '\\' && quote === '"') i++
    } else if (c === "'" || c === '"') quote = c
    else if (c === '\\') i++
    else if (c === '#' && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i).trimEnd()
  }
  return line.trimEnd()
}

export function bashCommands(markdown: string): DocCommand[] {
  const lines = markdown.split('\n')
  const out: DocCommand[] = []
  let section = ''
  let inBash = false
  let inOther = false
  let pending: { text: string; line: number } | undefined
  for (const [i, raw] of lines.entries()) {
    const fence = /^```(\w*)/.exec(raw)
    if (fence && !inBash && !inOther) {
      if (fence[1] === 'bash' || fence[1] === 'sh') inBash = true
      else inOther = true
      continue
    }
    if (fence) {
      inBash = inOther = false
      continue
    }
    if (!inBash) {
      if (!inOther && /^#{1,6} /.test(raw)) section = raw.replace(/^#+ /, '')
      continue
    }
    const line = stripComment(raw)
    if (!pending && line.trim() === '') continue
    const continued = line.endsWith('\\')
    const piece = continued ? line.slice(0, -1) : line
    pending = pending ? { text: `${pending.text} ${piece.trim()}`, line: pending.line } : { text: piece.trim(), line: i + 1 }
    if (!continued) {
      if (pending.text) out.push({ text: pending.text, section, line: pending.line })
      pending = undefined
    }
  }
  return out
}
