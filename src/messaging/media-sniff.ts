// What a file is, told from its first bytes, for media whose source declared nothing useful
// (plain base64, an upload sent as application/octet-stream). Only formats WhatsApp carries.
import { open } from 'node:fs/promises'

const HEAD_BYTES = 16

const startsWith = (head: Buffer, bytes: number[], at = 0) => bytes.every((b, i) => head[at + i] === b)
const ascii = (head: Buffer, text: string, at = 0) => head.toString('latin1', at, at + text.length) === text

/** The mime type the leading bytes announce, or undefined when they match no known format. */
export function sniffMime(head: Buffer): string | undefined {
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png'
  if (startsWith(head, [0xff, 0xd8, 0xff])) return 'image/jpeg'
  if (ascii(head, 'GIF87a') || ascii(head, 'GIF89a')) return 'image/gif'
  if (ascii(head, 'RIFF') && ascii(head, 'WEBP', 8)) return 'image/webp'
  if (ascii(head, '%PDF-')) return 'application/pdf'
  if (ascii(head, 'OggS')) return 'audio/ogg'
  if (ascii(head, 'ID3') || startsWith(head, [0xff, 0xfb])) return 'audio/mpeg'
  if (ascii(head, 'ftyp', 4)) return ascii(head, 'M4A', 8) ? 'audio/mp4' : 'video/mp4'
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) return 'application/zip'
  return undefined
}

/** Sniffs a file on disk (reads only its first bytes). */
export async function sniffFile(path: string): Promise<string | undefined> {
  const fh = await open(path, 'r')
  try {
    const head = Buffer.alloc(HEAD_BYTES)
    const { bytesRead } = await fh.read(head, 0, HEAD_BYTES, 0)
    return sniffMime(head.subarray(0, bytesRead))
  } finally {
    await fh.close()
  }
}
