// The durable outbox shared by the event sinks (webhooks, AMQP), one table each: every delivery is a
// row in gateway.db BEFORE anything is sent, so a crash, a restart or a receiver (or broker) that is
// down for minutes loses nothing. State machine of a row:
//   pending --2xx--> delivered
//   pending --failure--> pending (attempts+1, next_at = now + backoff) … --last failure--> dead
//   dead --replay--> pending (attempts 0)
// A lane is (token, target, chat): the lane workers send only the oldest pending row of a lane,
// so events of one chat arrive in order and later ones wait behind a failing one.
import { randomUUID } from 'node:crypto'
import type { Db } from '../store/db.js'
import { backoffDelay } from '../util/backoff.js'

export type DeliveryStatus = 'pending' | 'delivered' | 'dead'

export interface NewDelivery {
  token: string
  /** Where it goes: the webhook URL, or the AMQP exchange. */
  url: string
  /** The chat the event belongs to ('' for instance-level events such as connection changes). */
  chat: string
  event: string
  /** The exact bytes sent (and signed). */
  body: string
  /** The key each attempt is signed with (webhooks: X-Timestamp + X-Signature); absent: unsigned. */
  secret?: string
  /** Rows queued by older versions: a signature computed at enqueue time (no timestamp). */
  signature?: string
}

export interface Delivery extends NewDelivery {
  id: string
  seq: number
  lane: string
  status: DeliveryStatus
  attempts: number
  nextAt: number
  lastStatus: number | null
  lastError: string | null
  lastAnswer: string | null
  createdAt: number
  updatedAt: number
}

/** What the deliveries API shows (no body, no secret or signature). */
export type DeliveryView = Omit<Delivery, 'body' | 'secret' | 'signature' | 'lane' | 'seq'>

/** Retry schedule of deliveries (see util/backoff.ts) and the attempts before a row is dead (Infinity: never). */
export interface RetryPolicy {
  baseMs: number
  capMs: number
  maxAttempts: number
}

export interface AttemptFailure {
  status?: number
  error: string
  answer?: string
}

interface Row {
  seq: number; id: string; token: string; url: string; lane: string; chat: string; event: string; body: string
  signature: string | null; secret: string | null; status: DeliveryStatus; attempts: number; next_at: number; last_status: number | null
  last_error: string | null; last_answer: string | null; created_at: number; updated_at: number
}

const ANSWER_MAX = 500

const toDelivery = (r: Row): Delivery => ({
  id: r.id, seq: r.seq, token: r.token, url: r.url, lane: r.lane, chat: r.chat, event: r.event, body: r.body,
  ...(r.signature ? { signature: r.signature } : {}),
  ...(r.secret ? { secret: r.secret } : {}),
  status: r.status, attempts: r.attempts, nextAt: r.next_at, lastStatus: r.last_status, lastError: r.last_error,
  lastAnswer: r.last_answer, createdAt: r.created_at, updatedAt: r.updated_at,
})

export const toView = ({ body: _b, secret: _k, signature: _s, lane: _l, seq: _q, ...view }: Delivery): DeliveryView => view

export const laneOf = (d: Pick<NewDelivery, 'token' | 'url' | 'chat'>): string => `${d.token}\n${d.url}\n${d.chat}`

export class DeliveryOutbox {
  private readonly st

  /** `table`: one per sink (a fixed name chosen in code, never input). */
  constructor(private readonly db: Db, table: string, private readonly policy: RetryPolicy, private readonly now: () => number = Date.now) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS ${table} (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        token TEXT NOT NULL,
        url TEXT NOT NULL,
        lane TEXT NOT NULL,
        chat TEXT NOT NULL,
        event TEXT NOT NULL,
        body TEXT NOT NULL,
        signature TEXT,
        secret TEXT,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_at INTEGER NOT NULL,
        last_status INTEGER,
        last_error TEXT,
        last_answer TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS ${table}_pending ON ${table} (lane, seq) WHERE status = 'pending';
      CREATE INDEX IF NOT EXISTS ${table}_token ON ${table} (token, seq);
    `)
    // Tables made before deliveries were signed per attempt lack the secret column.
    const columns = db.prepare<[], { name: string }>(`PRAGMA table_info(${table})`).all().map((c) => c.name)
    if (!columns.includes('secret')) db.exec(`ALTER TABLE ${table} ADD COLUMN secret TEXT`)
    this.st = {
      insert: db.prepare(`
        INSERT INTO ${table} (id, token, url, lane, chat, event, body, signature, secret, status, next_at, created_at, updated_at)
        VALUES (@id, @token, @url, @lane, @chat, @event, @body, @signature, @secret, 'pending', @now, @now, @now)`),
      get: db.prepare<[string], Row>(`SELECT * FROM ${table} WHERE id = ?`),
      head: db.prepare<[string], Row>(`SELECT * FROM ${table} WHERE status = 'pending' AND lane = ? ORDER BY seq LIMIT 1`),
      heads: db.prepare<[], Row>(`
        SELECT d.* FROM (SELECT min(seq) AS seq FROM ${table} WHERE status = 'pending' GROUP BY lane) h
        JOIN ${table} d ON d.seq = h.seq ORDER BY d.next_at, d.seq`),
      settle: db.prepare(`
        UPDATE ${table} SET status = @status, attempts = @attempts, next_at = @nextAt, last_status = @lastStatus,
          last_error = @lastError, last_answer = @lastAnswer, updated_at = @now WHERE id = @id`),
      requeue: db.prepare(`UPDATE ${table} SET status = 'pending', attempts = 0, next_at = ?, updated_at = ? WHERE id = ? AND status = 'dead'`),
      requeueDead: db.prepare(`UPDATE ${table} SET status = 'pending', attempts = 0, next_at = ?, updated_at = ? WHERE token = ? AND status = 'dead'`),
      list: db.prepare<[string, number], Row>(`SELECT * FROM ${table} WHERE token = ? ORDER BY seq DESC LIMIT ?`),
      listByStatus: db.prepare<[string, string, number], Row>(`SELECT * FROM ${table} WHERE token = ? AND status = ? ORDER BY seq DESC LIMIT ?`),
      depth: db.prepare<[], { n: number }>(`SELECT count(*) AS n FROM ${table} WHERE status = 'pending'`),
      prune: db.prepare(`DELETE FROM ${table} WHERE status = 'delivered' AND updated_at < ?`),
      dueNow: db.prepare(`UPDATE ${table} SET next_at = ? WHERE status = 'pending' AND next_at > ?`),
    }
  }

  /** Writes the deliveries (one transaction) and returns them; nothing is sent here. */
  enqueue(items: NewDelivery[]): Delivery[] {
    const now = this.now()
    return this.db.transaction(() =>
      items.map((d) => {
        const id = randomUUID()
        this.st.insert.run({ ...d, id, lane: laneOf(d), signature: d.signature ?? null, secret: d.secret ?? null, now })
        return toDelivery(this.st.get.get(id)!)
      }),
    )()
  }

  get(id: string): Delivery | undefined {
    const r = this.st.get.get(id)
    return r ? toDelivery(r) : undefined
  }

  /** The oldest pending delivery of a lane (the only one of the lane that may be sent). */
  head(lane: string): Delivery | undefined {
    const r = this.st.head.get(lane)
    return r ? toDelivery(r) : undefined
  }

  /** The head of every lane with pending work, soonest due first. */
  heads(): Delivery[] {
    return this.st.heads.all().map(toDelivery)
  }

  /** `status` and `answer`: what an HTTP receiver said (none for a broker's confirm). */
  recordSuccess(id: string, status: number | null = null, answer = ''): Delivery {
    const d = this.mustGet(id)
    this.st.settle.run({
      id, status: 'delivered', attempts: d.attempts + 1, nextAt: d.nextAt, lastStatus: status, lastError: null,
      lastAnswer: answer.slice(0, ANSWER_MAX), now: this.now(),
    })
    return this.mustGet(id)
  }

  /** Counts a failed try: schedules the next one with backoff, or dead-letters after the last. */
  recordFailure(id: string, failure: AttemptFailure): Delivery {
    const d = this.mustGet(id)
    const attempts = d.attempts + 1
    const now = this.now()
    const dead = attempts >= this.policy.maxAttempts
    this.st.settle.run({
      id, status: dead ? 'dead' : 'pending', attempts, nextAt: dead ? d.nextAt : now + backoffDelay(attempts, this.policy.baseMs, this.policy.capMs),
      lastStatus: failure.status ?? null, lastError: failure.error.slice(0, ANSWER_MAX),
      lastAnswer: failure.answer?.slice(0, ANSWER_MAX) ?? null, now,
    })
    return this.mustGet(id)
  }

  /** Re-queues one dead delivery of `token`: 'not-found', 'not-dead', or the re-queued row. */
  replay(token: string, id: string): Delivery | 'not-found' | 'not-dead' {
    const d = this.get(id)
    if (!d || d.token !== token) return 'not-found'
    if (d.status !== 'dead') return 'not-dead'
    const now = this.now()
    this.st.requeue.run(now, now, id)
    return this.mustGet(id)
  }

  replayDead(token: string): number {
    const now = this.now()
    return this.st.requeueDead.run(now, now, token).changes
  }

  list(token: string, opts: { status?: DeliveryStatus; limit: number }): DeliveryView[] {
    const rows = opts.status ? this.st.listByStatus.all(token, opts.status, opts.limit) : this.st.list.all(token, opts.limit)
    return rows.map((r) => toView(toDelivery(r)))
  }

  /** Pending deliveries (the queue-depth gauge). */
  depth(): number {
    return this.st.depth.get()?.n ?? 0
  }

  /** Ends every waiting backoff (the receiver is back): all pending rows are due now. */
  dueNow(): number {
    const now = this.now()
    return this.st.dueNow.run(now, now).changes
  }

  /** Deletes delivered rows last touched before `olderThan` (ms epoch); dead rows stay for replay. */
  prune(olderThan: number): number {
    return this.st.prune.run(olderThan).changes
  }

  private mustGet(id: string): Delivery {
    const d = this.get(id)
    if (!d) throw new Error(`delivery ${id} vanished`)
    return d
  }
}
