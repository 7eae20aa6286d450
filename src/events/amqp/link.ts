// One connection + confirm channel to the broker, kept up with backoff (util/backoff.ts). Publishing
// resolves only once the broker confirmed the message (it is then on disk for durable queues); a
// connection that drops rejects what is in flight, and those rows are sent again after reconnecting.
import { connect, type ChannelModel, type ConfirmChannel } from 'amqplib'
import type { Logger } from '../../logger.js'
import { backoffDelay } from '../../util/backoff.js'

export interface AmqpLinkOptions {
  url: string
  retryBaseMs: number
  retryCapMs: number
}

export interface AmqpLinkHooks {
  /** Connected, channel open and `exchange` declared: sending may resume. */
  up(): void
  down(reason: string): void
}

export interface AmqpPublish {
  exchange: string
  routingKey: string
  body: string
  /** Lets consumers drop the copy a lost confirm makes us send again. */
  messageId: string
  /** The event name. */
  type: string
  createdAt: number
}

/** The URL without its password, for logs. */
export function safeAmqpUrl(url: string): string {
  try {
    const u = new URL(url)
    return `${u.protocol}//${u.username ? `${u.username}@` : ''}${u.host}${u.pathname}`
  } catch {
    return '(invalid url)'
  }
}

export class AmqpLink {
  private conn?: ChannelModel
  private channel?: ConfirmChannel
  private failures = 0
  private stopped = true
  private retryTimer?: NodeJS.Timeout

  constructor(
    private readonly opts: AmqpLinkOptions,
    private readonly exchange: string,
    private readonly logger: Logger,
    private readonly hooks: AmqpLinkHooks,
  ) {}

  get connected(): boolean {
    return this.channel !== undefined
  }

  start(): void {
    if (!this.stopped) return
    this.stopped = false
    void this.open()
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearTimeout(this.retryTimer)
    const conn = this.conn
    this.conn = undefined
    this.channel = undefined
    await conn?.close().catch(() => undefined) // already closed by the broker: nothing to do
  }

  /** Resolves once the broker confirmed the message; rejects on a nack or a lost connection. */
  publish(m: AmqpPublish): Promise<void> {
    const channel = this.channel
    if (!channel) return Promise.reject(new Error('not connected to the broker'))
    return new Promise((resolve, reject) => {
      channel.publish(m.exchange, m.routingKey, Buffer.from(m.body, 'utf8'), {
        persistent: true, contentType: 'application/json', messageId: m.messageId, type: m.type,
        timestamp: Math.floor(m.createdAt / 1000), appId: 'whatsapp-gateway',
      }, (err: unknown) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve()))
    })
  }

  private async open(): Promise<void> {
    let conn: ChannelModel | undefined
    try {
      conn = await connect(this.opts.url, { clientProperties: { connection_name: 'whatsapp-gateway' } })
      // Listeners first: an 'error' emitted without one would crash the process.
      conn.on('error', (err: Error) => this.logger.warn({ err: err.message }, 'AMQP connection error'))
      const channel = await conn.createConfirmChannel()
      channel.on('error', (err: Error) => this.logger.warn({ err: err.message }, 'AMQP channel error'))
      await channel.assertExchange(this.exchange, 'topic', { durable: true })
      if (this.stopped) {
        await conn.close()
        return
      }
      const opened = conn
      opened.on('close', () => this.lost(opened, 'connection closed'))
      // A channel closed by the broker (e.g. a channel error) is replaced with the whole connection.
      channel.on('close', () => void opened.close().catch(() => this.lost(opened, 'channel closed')))
      this.conn = opened
      this.channel = channel
      if (this.failures > 0) this.logger.info({ url: safeAmqpUrl(this.opts.url), afterFailures: this.failures }, 'AMQP broker reachable again')
      this.failures = 0
      this.hooks.up()
    } catch (err) {
      await conn?.close().catch(() => undefined)
      this.retry(err instanceof Error ? err.message : String(err))
    }
  }

  private lost(conn: ChannelModel, reason: string): void {
    if (this.conn !== conn) return // an older connection, or stop() already let go of it
    this.conn = undefined
    this.channel = undefined
    this.hooks.down(reason)
    this.retry(reason)
  }

  private retry(reason: string): void {
    if (this.stopped) return
    this.failures++
    const delay = backoffDelay(this.failures, this.opts.retryBaseMs, this.opts.retryCapMs)
    this.logger.warn({ url: safeAmqpUrl(this.opts.url), reason, retryInMs: delay, failures: this.failures }, 'AMQP broker unavailable')
    clearTimeout(this.retryTimer)
    this.retryTimer = setTimeout(() => void this.open(), delay)
    this.retryTimer.unref()
  }
}
