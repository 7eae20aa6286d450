// Persistence of bulk batches: a small interface (so a later step can move it to Redis/Postgres)
// and its default on the gateway's SQLite file. Every item's state is written before the queue
// moves on, which is what lets a restart resume without sending anything twice.
import type { Db } from '../store/db.js'

export type BatchStatus = 'queued' | 'running' | 'done' | 'cancelled'
export type ItemStatus = 'pending' | 'sending' | 'sent' | 'failed'

export interface StoredMedia {
  path: string
  size: number
  kind: string
  mimetype: string
  fileName?: string
}

export interface BatchRecord {
  id: string
  token: string
  action: string
  /** The request body without `number`, `delay` and inline base64 (moved to `media`). */
  body: Record<string, unknown>
  /** Media loaded once for the whole batch, by slot ('main' = url/base64/file, 'image' = header image). */
  media: Record<string, StoredMedia>
  minDelayMs: number
  maxDelayMs: number
  status: BatchStatus
  total: number
  createdAt: number
  /** Earliest time the next item may be sent (the random delay, persisted across restarts). */
  nextAt: number
  finishedAt?: number
}

export interface BatchItem {
  idx: number
  number: string
  status: ItemStatus
  /** Chosen before the send and kept, so a resend after a crash reuses the same WhatsApp id. */
  messageId?: string
  error?: string
  at?: number
}

export interface BatchCounts { done: number; sent: number; failed: number }

/** GET /batches/:id: the batch, its counts and one entry per number (what send-progress reports). */
export interface BatchView {
  batchId: string; token: string; action: string; status: string; total: number; done: number; sent: number; failed: number
  createdAt: number; finishedAt: number | null; nextAt: number | null
  items: Array<{ number: string; status: string; id: string | null; error: string | null }>
}

export interface BatchStore {
  create(batch: BatchRecord, numbers: string[]): void
  get(id: string): BatchRecord | undefined
  items(id: string): BatchItem[]
  counts(id: string): BatchCounts
  /** First item not finished yet (pending, or sending when a crash interrupted it). */
  nextItem(id: string): BatchItem | undefined
  markSending(id: string, idx: number, messageId: string): void
  markResult(id: string, idx: number, status: 'sent' | 'failed', error?: string): void
  setStatus(id: string, status: BatchStatus): void
  setNextAt(id: string, at: number): void
  /** Batches not finished, oldest first. */
  unfinished(): BatchRecord[]
  /** Oldest unfinished batch of an instance. */
  nextBatch(token: string): BatchRecord | undefined
  /** Unfinished (queued or running) batches of an instance. */
  countUnfinished(token: string): number
}

interface BatchRow {
  id: string; token: string; action: string; body: string; media: string; min_delay_ms: number; max_delay_ms: number
  status: BatchStatus; total: number; created_at: number; next_at: number; finished_at: number | null
}
interface ItemRow { idx: number; number: string; status: ItemStatus; message_id: string | null; error: string | null; at: number | null }

const toBatch = (r: BatchRow): BatchRecord => ({
  id: r.id, token: r.token, action: r.action, body: JSON.parse(r.body) as Record<string, unknown>,
  media: JSON.parse(r.media) as Record<string, StoredMedia>, minDelayMs: r.min_delay_ms, maxDelayMs: r.max_delay_ms,
  status: r.status, total: r.total, createdAt: r.created_at, nextAt: r.next_at, finishedAt: r.finished_at ?? undefined,
})

const toItem = (r: ItemRow): BatchItem => ({
  idx: r.idx, number: r.number, status: r.status, messageId: r.message_id ?? undefined, error: r.error ?? undefined, at: r.at ?? undefined,
})

export class SqliteBatchStore implements BatchStore {
  // Prepared once: the bulk loop reads and writes these for every item.
  private readonly st

  constructor(private readonly db: Db) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS send_batches (
        id TEXT PRIMARY KEY, token TEXT NOT NULL, action TEXT NOT NULL, body TEXT NOT NULL, media TEXT NOT NULL,
        min_delay_ms INTEGER NOT NULL, max_delay_ms INTEGER NOT NULL, status TEXT NOT NULL, total INTEGER NOT NULL,
        created_at INTEGER NOT NULL, next_at INTEGER NOT NULL DEFAULT 0, finished_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS send_batches_open ON send_batches (status, token, created_at);
      CREATE TABLE IF NOT EXISTS send_batch_items (
        batch_id TEXT NOT NULL, idx INTEGER NOT NULL, number TEXT NOT NULL, status TEXT NOT NULL,
        message_id TEXT, error TEXT, at INTEGER, PRIMARY KEY (batch_id, idx)
      );
    `)
    this.st = {
      insertBatch: db.prepare(`INSERT INTO send_batches (id, token, action, body, media, min_delay_ms, max_delay_ms, status, total, created_at, next_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      insertItem: db.prepare(`INSERT INTO send_batch_items (batch_id, idx, number, status) VALUES (?, ?, ?, 'pending')`),
      get: db.prepare<[string], BatchRow>('SELECT * FROM send_batches WHERE id = ?'),
      items: db.prepare<[string], ItemRow>('SELECT idx, number, status, message_id, error, at FROM send_batch_items WHERE batch_id = ? ORDER BY idx'),
      counts: db.prepare<[string], { sent: number | null; failed: number | null }>(
        `SELECT SUM(status = 'sent') AS sent, SUM(status = 'failed') AS failed FROM send_batch_items WHERE batch_id = ?`),
      nextItem: db.prepare<[string], ItemRow>(`SELECT idx, number, status, message_id, error, at FROM send_batch_items
        WHERE batch_id = ? AND status IN ('pending', 'sending') ORDER BY idx LIMIT 1`),
      markSending: db.prepare(`UPDATE send_batch_items SET status = 'sending', message_id = ?, at = ? WHERE batch_id = ? AND idx = ?`),
      markResult: db.prepare('UPDATE send_batch_items SET status = ?, error = ?, at = ? WHERE batch_id = ? AND idx = ?'),
      setStatus: db.prepare('UPDATE send_batches SET status = ?, finished_at = COALESCE(?, finished_at) WHERE id = ?'),
      setNextAt: db.prepare('UPDATE send_batches SET next_at = ? WHERE id = ?'),
      unfinished: db.prepare<[], BatchRow>(`SELECT * FROM send_batches WHERE status IN ('queued', 'running') ORDER BY created_at, rowid`),
      countUnfinished: db.prepare<[string], { n: number }>(`SELECT count(*) AS n FROM send_batches WHERE token = ? AND status IN ('queued', 'running')`),
      nextBatch: db.prepare<[string], BatchRow>(
        `SELECT * FROM send_batches WHERE token = ? AND status IN ('queued', 'running') ORDER BY created_at, rowid LIMIT 1`),
    }
  }

  create(b: BatchRecord, numbers: string[]): void {
    this.db.transaction(() => {
      this.st.insertBatch.run(b.id, b.token, b.action, JSON.stringify(b.body), JSON.stringify(b.media), b.minDelayMs, b.maxDelayMs, b.status, b.total, b.createdAt, b.nextAt)
      numbers.forEach((n, i) => this.st.insertItem.run(b.id, i, n))
    })()
  }

  get(id: string): BatchRecord | undefined {
    const row = this.st.get.get(id)
    return row && toBatch(row)
  }

  items(id: string): BatchItem[] {
    return this.st.items.all(id).map(toItem)
  }

  counts(id: string): BatchCounts {
    const r = this.st.counts.get(id)
    const sent = r?.sent ?? 0
    const failed = r?.failed ?? 0
    return { done: sent + failed, sent, failed }
  }

  nextItem(id: string): BatchItem | undefined {
    const row = this.st.nextItem.get(id)
    return row && toItem(row)
  }

  markSending(id: string, idx: number, messageId: string): void {
    this.st.markSending.run(messageId, Date.now(), id, idx)
  }

  markResult(id: string, idx: number, status: 'sent' | 'failed', error?: string): void {
    this.st.markResult.run(status, error ?? null, Date.now(), id, idx)
  }

  setStatus(id: string, status: BatchStatus): void {
    const finished = status === 'done' || status === 'cancelled' ? Date.now() : null
    this.st.setStatus.run(status, finished, id)
  }

  setNextAt(id: string, at: number): void {
    this.st.setNextAt.run(at, id)
  }

  unfinished(): BatchRecord[] {
    return this.st.unfinished.all().map(toBatch)
  }

  nextBatch(token: string): BatchRecord | undefined {
    const row = this.st.nextBatch.get(token)
    return row && toBatch(row)
  }

  countUnfinished(token: string): number {
    return this.st.countUnfinished.get(token)?.n ?? 0
  }
}

export function viewBatch(store: BatchStore, id: string): BatchView | undefined {
  const b = store.get(id)
  if (!b) return undefined
  return {
    batchId: b.id, token: b.token, action: b.action, status: b.status, total: b.total, ...store.counts(id),
    createdAt: b.createdAt, finishedAt: b.finishedAt ?? null, nextAt: b.status === 'running' && b.nextAt ? b.nextAt : null,
    items: store.items(id).map((i) => ({ number: i.number, status: i.status, id: i.status === 'sent' ? i.messageId ?? null : null, error: i.error ?? null })),
  }
}
