// Prometheus metrics for one app instance (its own registry, so tests can run several apps).
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import type { EventBus } from './events/bus.js'
import type { SessionManager } from './sessions/manager.js'

const STATES = ['connecting', 'qr', 'open', 'closed', 'logged-out', 'failed'] as const

export interface Metrics {
  registry: Registry
  counter(name: string, help: string, labelNames?: string[]): Counter
}

export function createMetrics(bus: EventBus, sessions: SessionManager): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  new Gauge({
    name: 'wa_instances',
    help: 'Instances by state',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.reset()
      const counts = new Map<string, number>(STATES.map((s) => [s, 0]))
      for (const i of sessions.list()) counts.set(i.state, (counts.get(i.state) ?? 0) + 1)
      for (const [state, n] of counts) this.set({ state }, n)
    },
  })
  const messages = new Counter({ name: 'wa_messages_total', help: 'Messages seen, by direction', labelNames: ['direction'], registers: [registry] })
  const reconnects = new Counter({ name: 'wa_reconnects_total', help: 'Reconnect attempts after a dropped connection', registers: [registry] })
  bus.on('message-upsert', ({ message }) => messages.inc({ direction: message.key.fromMe ? 'out' : 'in' }))
  const watchdog = new Counter({ name: 'wa_watchdog_restarts_total', help: 'Open connections restarted because WhatsApp stopped answering', registers: [registry] })
  bus.on('connection-state', ({ state, reason }) => {
    if (state === 'connecting' && reason) reconnects.inc()
    if (reason === 'watchdog') watchdog.inc()
  })
  return {
    registry,
    counter: (name, help, labelNames = []) => new Counter({ name, help, labelNames, registers: [registry] }),
  }
}
