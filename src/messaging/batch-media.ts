// Media of a bulk batch is loaded once when the batch is created and kept under
// DATA_DIR/bulk-media/<batchId>/ until the batch is finished (it must survive a restart).
// The bytes are stored once per content: DATA_DIR/bulk-blobs/<sha256> holds them and each batch
// folder holds a hard link, so a scheduled job that queues the same media every run (or many
// batches of one campaign) costs its size once, not once per batch. A blob goes with its last link.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { copyFile, link, mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { StoredMedia } from './batch-store.js'
import type { LocalMedia } from './media-source.js'

export class BatchMedia {
  /** Store changes run one at a time: a prune must never remove a blob a keep is about to link. */
  private queue: Promise<unknown> = Promise.resolve()

  constructor(private readonly root: string, private readonly blobRoot = `${root}-blobs`) {}

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn)
    this.queue = run.catch(() => undefined)
    return run
  }

  dir(batchId: string): string {
    return join(this.root, batchId)
  }

  /** Moves a loaded media file into the content store and links it into the batch folder. */
  async keep(batchId: string, slot: string, m: LocalMedia): Promise<StoredMedia> {
    await mkdir(this.dir(batchId), { recursive: true, mode: 0o700 })
    await mkdir(this.blobRoot, { recursive: true, mode: 0o700 })
    const blob = join(this.blobRoot, await sha256File(m.path))
    const path = join(this.dir(batchId), slot)
    await this.serial(async () => {
      if (await exists(blob)) await rm(m.path, { force: true })
      else await move(m.path, blob)
      try {
        await link(blob, path)
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err
        await copyFile(blob, path) // another filesystem: a copy is the best we can do
      }
    })
    return { path, size: m.size, kind: m.kind, mimetype: m.mimetype, fileName: m.fileName }
  }

  async drop(batchId: string): Promise<void> {
    await rm(this.dir(batchId), { recursive: true, force: true }).catch(() => undefined)
    await this.pruneBlobs()
  }

  /** Boot: removes the media of every batch that is no longer unfinished (a crash between a
   *  batch's end or cancel and its cleanup must not leave files forever). */
  async sweep(unfinished: Set<string>): Promise<void> {
    const names = await readdir(this.root).catch(() => [] as string[])
    await Promise.all(names.filter((n) => !unfinished.has(n)).map((n) => rm(join(this.root, n), { recursive: true, force: true }).catch(() => undefined)))
    await this.pruneBlobs()
  }

  /** Deletes blobs no batch links to any more (link count 1: only the store's own name). */
  private pruneBlobs(): Promise<void> {
    return this.serial(() => this.pruneNow())
  }

  private async pruneNow(): Promise<void> {
    const names = await readdir(this.blobRoot).catch(() => [] as string[])
    for (const name of names) {
      const path = join(this.blobRoot, name)
      const s = await stat(path).catch(() => undefined)
      if (s && s.nlink <= 1) await rm(path, { force: true }).catch(() => undefined)
    }
  }
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

const exists = (path: string) => stat(path).then(() => true, () => false)

async function move(from: string, to: string): Promise<void> {
  try {
    await rename(from, to)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err
    await copyFile(from, to)
    await rm(from, { force: true })
  }
}
