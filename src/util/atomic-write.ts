// The one helper for files that must survive a crash: write a temp file beside the target,
// fsync it, rename over the target (rename is atomic on the same filesystem), then fsync the
// folder so the rename itself survives a power loss.
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { open, readdir, rename, rm } from 'node:fs/promises'
import { randomBytes } from 'node:crypto'
import { basename, dirname, join } from 'node:path'

const tempPrefix = (path: string) => `${basename(path)}.tmp-`
const tempName = (path: string) => join(dirname(path), `${tempPrefix(path)}${process.pid}-${randomBytes(4).toString('hex')}`)

export function writeFileAtomicSync(path: string, data: string | Buffer, mode = 0o644): void {
  const tmp = tempName(path)
  const fd = openSync(tmp, 'w', mode)
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data)
    fsyncSync(fd)
  } catch (err) {
    closeSync(fd)
    rmSync(tmp, { force: true })
    throw err
  }
  closeSync(fd)
  renameSync(tmp, path)
  fsyncDirSync(dirname(path))
}

function fsyncDirSync(dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

export async function writeFileAtomic(path: string, data: string | Buffer, mode = 0o644): Promise<void> {
  const tmp = tempName(path)
  const handle = await open(tmp, 'w', mode)
  try {
    await handle.writeFile(data)
    await handle.sync()
  } catch (err) {
    await handle.close()
    await rm(tmp, { force: true })
    throw err
  }
  await handle.close()
  await rename(tmp, path)
  await fsyncDir(dirname(path))
}

/** Removes temp files of writers that died mid-write (their pid is gone); live writers' are kept. */
export async function removeStaleTemps(path: string): Promise<void> {
  const prefix = tempPrefix(path)
  const names = await readdir(dirname(path)).catch(() => [] as string[])
  for (const name of names) {
    if (!name.startsWith(prefix)) continue
    const pid = Number(name.slice(prefix.length).split('-')[0])
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid)) continue
    await rm(join(dirname(path), name), { force: true })
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
