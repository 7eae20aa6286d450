// Temp files for media on its way to WhatsApp: one folder, unique names, quiet removal.
import { randomBytes } from 'node:crypto'
import { mkdir, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'

/** A file name no other temp file has (multer's upload storage names its files with it too). */
export const uniqueName = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`

export async function tempPath(dir: string, prefix: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  return join(dir, uniqueName(prefix))
}

export async function removeQuietly(path: string | undefined): Promise<void> {
  if (path) await rm(path, { force: true }).catch(() => undefined)
}

/** Removes what a crashed process left in the temp folder (called once at boot). */
export async function clearDir(dir: string): Promise<void> {
  const names = await readdir(dir).catch(() => [] as string[])
  await Promise.all(names.map((n) => rm(join(dir, n), { force: true, recursive: true }).catch(() => undefined)))
}
