// Media of a bulk batch is loaded once when the batch is created and kept under
// DATA_DIR/bulk-media/<batchId>/ until the batch is finished (it must survive a restart).
import { copyFile, mkdir, readdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { StoredMedia } from './batch-store.js'
import type { LocalMedia } from './media-source.js'

export class BatchMedia {
  constructor(private readonly root: string) {}

  dir(batchId: string): string {
    return join(this.root, batchId)
  }

  /** Moves a loaded media file into the batch folder under its slot name. */
  async keep(batchId: string, slot: string, m: LocalMedia): Promise<StoredMedia> {
    await mkdir(this.dir(batchId), { recursive: true, mode: 0o700 })
    const path = join(this.dir(batchId), slot)
    try {
      await rename(m.path, path)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err
      await copyFile(m.path, path)
      await rm(m.path, { force: true })
    }
    return { path, size: m.size, kind: m.kind, mimetype: m.mimetype, fileName: m.fileName }
  }

  async drop(batchId: string): Promise<void> {
    await rm(this.dir(batchId), { recursive: true, force: true }).catch(() => undefined)
  }

  /** Boot: removes the media of every batch that is no longer unfinished (a crash between a
   *  batch's end or cancel and its cleanup must not leave files forever). */
  async sweep(unfinished: Set<string>): Promise<void> {
    const names = await readdir(this.root).catch(() => [] as string[])
    await Promise.all(names.filter((n) => !unfinished.has(n)).map((n) => this.drop(n)))
  }
}
