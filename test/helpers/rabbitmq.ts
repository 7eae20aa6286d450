// A private RabbitMQ node for tests: its own temp folder, free ports, its own epmd port and cookie,
// no plugins (no management UI), never the system service. Readiness = an AMQP connect succeeds.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from 'amqplib'

/** The broker's start script: Debian's real one (the /usr/sbin wrapper switches to the rabbitmq user), else PATH. */
export function rabbitmqServerBinary(): string | undefined {
  const debian = '/usr/lib/rabbitmq/bin/rabbitmq-server'
  if (existsSync(debian)) return debian
  const found = spawnSync('sh', ['-c', 'command -v rabbitmq-server'], { encoding: 'utf8' })
  return found.status === 0 ? found.stdout.trim() : undefined
}

export async function freePort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const addr = s.address()
  await new Promise<void>((r) => s.close(() => r()))
  if (!addr || typeof addr === 'string') throw new Error('no port')
  return addr.port
}

export interface Broker {
  url: string
  /** How long the last start took until an AMQP connect succeeded (ms). */
  lastStartMs: number
  /** Starts the node (again, on the same ports and data) and waits until it accepts AMQP connections. */
  start(): Promise<void>
  /** Stops the node (SIGTERM: a clean broker shutdown) and waits until it exited. */
  stop(): Promise<void>
  /** Stops it, its epmd, and removes the folder. */
  close(): Promise<void>
}

export async function startBroker(binary: string, timeoutMs = 120_000): Promise<Broker> {
  const dir = mkdtempSync(join(tmpdir(), 'wagw-rabbit-'))
  const [port, distPort, epmdPort] = [await freePort(), await freePort(), await freePort()]
  const node = `test-${randomBytes(4).toString('hex')}@localhost`
  writeFileSync(join(dir, 'rabbitmq.conf'), 'log.console = false\nlog.file.level = warning\n')
  writeFileSync(join(dir, 'enabled_plugins'), '[].\n')
  writeFileSync(join(dir, 'rabbitmq-env.conf'), '')
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: dir, // the Erlang cookie lives here
    RABBITMQ_NODENAME: node,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    ERL_EPMD_PORT: String(epmdPort),
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ADVANCED_CONFIG_FILE: join(dir, 'advanced.config'),
    RABBITMQ_CONF_ENV_FILE: join(dir, 'rabbitmq-env.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_PID_FILE: join(dir, 'rabbit.pid'),
  }
  const url = `amqp://guest:guest@127.0.0.1:${port}`
  let child: ChildProcess | undefined
  let exited: Promise<void> = Promise.resolve()
  const outFile = join(dir, 'server.out')

  const broker: Broker = {
    url,
    lastStartMs: 0,
    async start() {
      const began = Date.now()
      const out = openSync(outFile, 'a')
      const proc = spawn(binary, [], { env, cwd: dir, detached: true, stdio: ['ignore', out, out] })
      closeSync(out)
      child = proc
      let gone = false
      exited = new Promise((resolve) => proc.once('exit', () => {
        gone = true
        resolve()
      }))
      const deadline = Date.now() + timeoutMs
      for (;;) {
        if (gone) throw new Error(`rabbitmq-server exited during start:\n${readFileSync(outFile, 'utf8').slice(-2000)}`)
        try {
          const conn = await connect(url)
          await conn.close()
          break
        } catch {
          if (Date.now() > deadline) throw new Error(`rabbitmq-server not ready after ${timeoutMs} ms:\n${readFileSync(outFile, 'utf8').slice(-2000)}`)
          await new Promise<void>((r) => setTimeout(r, 100)) // polling a TCP port: there is no event to wait for
        }
      }
      broker.lastStartMs = Date.now() - began
    },
    async stop() {
      const proc = child
      child = undefined
      if (!proc?.pid || proc.exitCode !== null || proc.signalCode !== null) return
      process.kill(-proc.pid, 'SIGTERM')
      const killer = setTimeout(() => { try { process.kill(-proc.pid!, 'SIGKILL') } catch { /* already gone */ } }, 60_000)
      await exited
      clearTimeout(killer)
    },
    async close() {
      await broker.stop()
      spawnSync('epmd', ['-port', String(epmdPort), '-kill'], { env, stdio: 'ignore' })
      rmSync(dir, { recursive: true, force: true })
    },
  }
  try {
    await broker.start()
  } catch (err) {
    await broker.close()
    throw err
  }
  return broker
}

export interface Received {
  routingKey: string
  body: { event: string; token: string; key?: { id?: string; remoteJid?: string; fromMe?: boolean } } & Record<string, unknown>
  messageId?: string
  deliveryMode?: number
  contentType?: string
}

/** Resolves once `cond()` holds; polls because the condition lives in another process or module. */
export async function until(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise<void>((r) => setTimeout(r, 20))
  }
}

/**
 * A consumer of a durable queue bound to `exchange` with `binding`; it survives a broker restart only
 * by calling reconnect(), like a real one. Everything received is kept in `received`, in arrival order.
 */
export async function startConsumer(url: string, exchange: string, queue: string, binding: string) {
  const received: Received[] = []
  let close: () => Promise<void> = async () => undefined
  const open = async () => {
    const conn = await connect(url)
    conn.on('error', () => undefined) // the broker going away is part of the tests
    const ch = await conn.createChannel()
    await ch.assertExchange(exchange, 'topic', { durable: true })
    await ch.assertQueue(queue, { durable: true })
    await ch.bindQueue(queue, exchange, binding)
    await ch.consume(queue, (m) => {
      if (!m) return
      received.push({
        routingKey: m.fields.routingKey, body: JSON.parse(m.content.toString('utf8')) as Received['body'],
        messageId: m.properties.messageId as string | undefined, deliveryMode: m.properties.deliveryMode as number | undefined,
        contentType: m.properties.contentType as string | undefined,
      })
    }, { noAck: true })
    close = () => conn.close().catch(() => undefined)
  }
  await open()
  return {
    received,
    reconnect: open,
    close: () => close(),
    waitFor: (pred: (r: Received) => boolean, what: string, ms = 30_000) => until(() => received.some(pred), what, ms),
  }
}
