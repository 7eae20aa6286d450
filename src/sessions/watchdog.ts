// "Open" but nothing arrives: watches the frames one socket receives; after `silenceMs` without
// any, it asks WhatsApp for a pong (a ping iq). No answer within `probeTimeoutMs` means the link
// is dead while the socket still looks open: `onStall` restarts it.
import { S_WHATSAPP_NET, type WASocket } from '@whiskeysockets/baileys'

export interface WatchdogOptions {
  silenceMs: number
  probeTimeoutMs: number
  onStall(): void
}

export class Watchdog {
  private lastFrameAt = Date.now()
  private probing = false
  private stopped = false
  private readonly timer: NodeJS.Timeout
  private readonly onFrame = () => {
    this.lastFrameAt = Date.now()
  }

  constructor(private readonly sock: WASocket, private readonly opts: WatchdogOptions) {
    sock.ws.on('message', this.onFrame)
    // Checking at a quarter of the silence keeps the detection within 1.25 × silence + probe time.
    this.timer = setInterval(() => this.check(), Math.max(50, Math.floor(opts.silenceMs / 4)))
    this.timer.unref()
  }

  stop(): void {
    this.stopped = true
    clearInterval(this.timer)
    this.sock.ws.off('message', this.onFrame)
  }

  private check(): void {
    if (this.stopped || this.probing || Date.now() - this.lastFrameAt < this.opts.silenceMs) return
    this.probing = true
    const ping = {
      tag: 'iq',
      attrs: { id: this.sock.generateMessageTag(), to: S_WHATSAPP_NET, type: 'get', xmlns: 'w:p' },
      content: [{ tag: 'ping', attrs: {} }],
    }
    this.sock.query(ping, this.opts.probeTimeoutMs).then(
      () => {
        this.probing = false
        this.lastFrameAt = Date.now()
      },
      () => {
        this.probing = false
        if (!this.stopped) this.opts.onStall()
      },
    )
  }
}
