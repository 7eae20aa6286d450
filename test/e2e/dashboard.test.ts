// The dashboard in a real browser (Debian's chromium through playwright-core) against the real
// gateway + simulator: sign in, create an instance, see the QR, pair it with the sandbox scan
// button, watch the state turn open, send a text that the simulated contact decrypts, and see it
// in the chat view; a wrong AUTH key shows a clear error and no data. Screenshots go to
// test-artifacts/ (gitignored). Every wait is an auto-waiting locator or an event, never a sleep.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createHash } from 'node:crypto'
import { createRequire } from 'node:module'
import QRCode from 'qrcode'
import { chromium, type BrowserContext, type Locator, type Page } from 'playwright-core'
import type { SimContact } from '../../src/simulator/index.js'
import { AUTH, startHarness, type Harness } from '../helpers/harness.js'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const AXE_SCRIPT = createRequire(import.meta.url).resolve('axe-core/axe.min.js')
const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url))
const WAIT_MS = 25_000
const TOKEN = 'dash1'

let h: Harness
let browser: BrowserContext
let profileDir = ''
let contact: SimContact
const pageErrors: string[] = []
/** Content-Security-Policy violations the browser reported (the dashboard must cause none). */
const cspViolations: string[] = []
/** A webhook receiver: the bodies it got, and a promise per expected body. */
let receiver: Server
let hookUrl = ''
const hookBodies: string[] = []
let onHook: (body: string) => void = () => {}

/** Waits for a locator to be visible, failing with what we were waiting for. */
async function visible(locator: Locator, what: string, timeout = WAIT_MS): Promise<Locator> {
  try {
    await locator.first().waitFor({ state: 'visible', timeout })
  } catch (err) {
    throw new Error(`dashboard: timed out after ${timeout} ms waiting for ${what}\n${(err as Error).message.split('\n')[0]}`)
  }
  return locator.first()
}

async function withTimeout<T>(p: Promise<T>, what: string, ms = WAIT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_r, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms) })
  try {
    return await Promise.race([p, timeout])
  } finally {
    clearTimeout(timer)
  }
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `dashboard-${name}.png`), fullPage: true })
}

async function newPage(): Promise<Page> {
  const page = await browser.newPage()
  await page.setViewportSize({ width: 1280, height: 860 })
  page.on('pageerror', (err) => pageErrors.push(`pageerror: ${err.message}`))
  // Every blocked script, style, image or connection fires securitypolicyviolation in the page.
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`))
  })
  page.on('console', (msg) => { if (/CSP violation|Content Security Policy/i.test(msg.text())) cspViolations.push(msg.text()) })
  page.on('console', (msg) => { if (msg.type() === 'error' && !/status of 40[0149]/.test(msg.text())) pageErrors.push(`console: ${msg.text()}`) })
  return page
}

interface AxeViolation { id: string; impact?: string | null; help: string; nodes: Array<{ target: unknown[] }> }

/** axe-core's serious and critical violations on the page as it is now, one readable line each. */
async function seriousAxeViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, not as an inline <script>: the dashboard's CSP forbids those.
  await page.evaluate(readFileSync(AXE_SCRIPT, 'utf8'))
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: AxeViolation[] }> } }).axe
    return (await axe.run(document, { resultTypes: ['violations'] })).violations
  })
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)
}

async function signIn(page: Page, key: string): Promise<void> {
  await page.goto(h.baseUrl + '/')
  await (await visible(page.getByLabel('AUTH key'), 'the sign-in form')).fill(key)
  await page.getByRole('button', { name: 'Sign in' }).click()
}

before(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium; .ci/run does it) to run the dashboard browser test`)
  }
  mkdirSync(ARTIFACTS, { recursive: true })
  receiver = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => { body += c.toString() })
    req.on('end', () => {
      hookBodies.push(body)
      onHook(body)
      res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks')
    })
  })
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`
  h = await startHarness()
  contact = await h.sim.createContact({ name: 'Dana Demo' })
  profileDir = mkdtempSync(join(tmpdir(), 'wagw-chromium-'))
  browser = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  })
})

after(async () => {
  await browser?.close()
  await h?.close()
  receiver?.closeAllConnections()
  receiver?.close()
  if (profileDir) rmSync(profileDir, { recursive: true, force: true })
})

describe('dashboard in a real browser', () => {
  test('the sign-in view has no serious or critical axe-core violations, light and dark', async () => {
    const page = await newPage()
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme })
      await page.goto(h.baseUrl + '/')
      await visible(page.getByLabel('AUTH key'), 'the sign-in form')
      assert.deepEqual(await seriousAxeViolations(page), [], `axe-core on the sign-in view (${colorScheme})`)
    }
    await page.close()
  })

  test('sign in, create, QR, pair via the simulated phone, send, see it in the chat view', async () => {
    const page = await newPage()
    const served = await page.goto(h.baseUrl + '/')
    assert.match(String(served?.headers()['content-security-policy']), /script-src 'self'/, 'the dashboard is served with a strict CSP')
    await signIn(page, AUTH)
    await visible(page.getByText('Sandbox', { exact: true }), 'the sandbox badge')
    await visible(page.locator('#live-status[data-state=live]'), 'the live (Socket.IO) indicator')

    await page.getByLabel('Token', { exact: true }).fill(TOKEN)
    await page.getByRole('button', { name: 'Create' }).click()
    const card = page.locator(`article[data-token="${TOKEN}"]`)
    const qr = await visible(card.getByRole('img', { name: `QR code to link instance ${TOKEN}` }), 'the QR image')
    assert.match(String(await qr.getAttribute('src')), /^data:image\/png;base64,/)
    // The image really decoded (not a broken <img>).
    assert.ok(await qr.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 100), 'QR image rendered')
    await shot(page, '1-qr')

    // Restart gives a new socket and a new QR: the image follows over Socket.IO.
    const firstQr = String(await qr.getAttribute('src'))
    await card.getByRole('button', { name: 'Restart' }).click()
    await visible(card.locator(`img.qr:not([src="${firstQr}"])`), 'a new QR image after Restart')

    await card.getByRole('button', { name: 'Scan with the simulated phone' }).click()
    await visible(card.locator('.badge[data-state=open]'), 'the instance state to turn open')
    assert.equal(await card.locator('.badge').textContent(), 'Connected')
    assert.equal(await card.locator('img.qr').isVisible(), false, 'the QR is gone once linked')
    const me = await h.api<{ user: { id: string } }>('GET', `/api/whatsapp/instances/${TOKEN}`)
    const phone = me.body.data!.user.id.split(/[:@]/)[0]
    await visible(card.getByText(`+${phone}`), 'the linked phone number on the card')
    await shot(page, '2-open')

    await page.getByRole('tab', { name: 'Webhook' }).click()
    await page.getByLabel('Webhook URL').fill(hookUrl)
    await page.getByRole('button', { name: 'Save webhook' }).click()
    await visible(page.locator('#webhook-status.ok'), 'the webhook saved confirmation')

    const text = `Hello from the dashboard ${Date.now()}`
    await page.getByRole('tab', { name: 'Send' }).click()
    await page.getByLabel('To (one number per line, or comma separated)').fill(contact.number)
    await page.getByLabel('Message', { exact: true }).fill(text)
    const arrived = contact.waitForMessage((m) => m.text === text, WAIT_MS)
    await page.locator('#send-form').getByRole('button', { name: 'Send', exact: true }).click()
    const got = await arrived
    assert.equal(got.type, 'text')
    await visible(page.locator('#send-status.ok'), 'the "Sent" confirmation')
    assert.match(String(await page.locator('#send-status').textContent()), /^Sent/)
    await shot(page, '3-sent')

    // Several numbers: a bulk batch whose progress bar is fed by send-progress events.
    const other = await h.sim.createContact({ name: 'Omar Other' })
    const bulkText = `Bulk hello ${Date.now()}`
    await page.getByLabel('To (one number per line, or comma separated)').fill(`${contact.number}, ${other.number}`)
    await page.getByLabel('Message', { exact: true }).fill(bulkText)
    const bulkArrived = Promise.all([contact, other].map((c) => c.waitForMessage((m) => m.text === bulkText, WAIT_MS)))
    await page.locator('#send-form').getByRole('button', { name: 'Send', exact: true }).click()
    await bulkArrived
    await visible(page.locator('#send-progress-label').filter({ hasText: '2 of 2 sent' }), 'the bulk progress bar at 2 of 2')
    assert.equal(await page.locator('#send-progress-bar').evaluate((p: HTMLProgressElement) => p.value / p.max), 1)
    await shot(page, '3b-bulk')

    // Media from a file: a multipart upload the contact decrypts byte for byte.
    const png = await QRCode.toBuffer('dashboard upload')
    await page.getByLabel('To (one number per line, or comma separated)').fill(contact.number)
    await page.getByRole('radio', { name: 'Media' }).check()
    await page.getByRole('radio', { name: 'File' }).check()
    await page.getByLabel('File to send').setInputFiles({ name: 'upload.png', mimeType: 'image/png', buffer: png })
    await page.getByLabel('Caption').fill('a picture')
    const mediaArrived = contact.waitForMessage((m) => m.type === 'image', WAIT_MS)
    await page.locator('#send-form').getByRole('button', { name: 'Send', exact: true }).click()
    const image = await mediaArrived
    assert.equal(image.media?.sha256, createHash('sha256').update(png).digest('hex'))
    assert.equal(image.caption, 'a picture')
    await visible(page.locator('#send-status.ok'), 'the media "Sent" confirmation')
    await page.getByRole('radio', { name: 'Text' }).check()

    await page.getByRole('tab', { name: 'Chats' }).click()
    const chat = await visible(page.locator('.chat-item').filter({ hasText: new RegExp(`${contact.number}|${contact.lid.split('@')[0]}`) }), 'the contact\'s chat in the list')
    await chat.click()
    await visible(page.locator('.bubble.mine').filter({ hasText: text }), 'the sent text in the chat view')
    // The contact answers: the reply shows up live in the open chat (Socket.IO message-upsert)
    // and is delivered to the webhook receiver.
    const reply = `Got it ${Date.now()}`
    const hooked = new Promise<void>((resolve) => {
      onHook = (b) => { if (b.includes(reply)) resolve() }
      if (hookBodies.some((b) => b.includes(reply))) resolve()
    })
    await contact.sendText(phone, reply)
    await visible(page.locator('.bubble.theirs').filter({ hasText: reply }), 'the contact\'s reply, live')
    await shot(page, '4-chat')

    await page.getByRole('tab', { name: 'Scheduler' }).click()
    await page.getByLabel('Id', { exact: true }).fill('7')
    await page.getByLabel('When (cron)').fill('not a cron')
    await page.getByRole('button', { name: 'Add job' }).click()
    const err = await visible(page.locator('#scheduler-status.error'), 'the scheduler\'s error inline')
    if (!h.app.routes.some((r) => r.path === '/whatsapp/scheduler/add-scheduler')) {
      // Not mounted on this build: the page says so instead of failing silently.
      assert.match(String(await err.textContent()), /not available on this server/)
    } else {
      assert.match(String(await err.textContent()), /cron|time/i)
      await page.getByLabel('When (cron)').fill('0 9 * * 1-5')
      await page.getByRole('button', { name: 'Add job' }).click()
      const row = await visible(page.locator('#jobs-table tbody tr').filter({ hasText: '0 9 * * 1-5' }), 'the new job in the list')
      await shot(page, '5-scheduler')
      await row.getByRole('button', { name: 'Stop job 7' }).click()
      await visible(page.locator('#jobs-table td.empty'), 'the job list empty after stop')
    }

    await withTimeout(hooked, 'the webhook receiver to get the reply')
    await page.getByRole('tab', { name: 'Webhook' }).click()
    await visible(page.locator('#deliveries-table tbody tr').filter({ hasText: 'Delivered' }), 'a delivered row in the webhook deliveries')
    await shot(page, '6-webhook')
    await page.close()
    assert.deepEqual(pageErrors, [], 'no script errors in the page')
    assert.deepEqual(cspViolations, [], 'the dashboard passes its Content-Security-Policy')
  })

  test('a wrong AUTH key shows a clear error and no data', async () => {
    const page = await newPage()
    await signIn(page, 'not-the-key')
    const error = await visible(page.getByRole('alert'), 'the sign-in error')
    assert.match(String(await error.textContent()), /Wrong AUTH key.*401/)
    assert.equal(await page.locator('#app-view').isVisible(), false, 'the dashboard stays hidden')
    assert.equal(await page.getByText(TOKEN).count(), 0, 'no instance data on the page')
    assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'a refused key is not kept')
    // The Socket.IO handshake with that key is refused too.
    const refused = await page.evaluate(async () => {
      const { io } = await import('/socket.io/socket.io.esm.min.js' as string)
      return new Promise<string>((resolve) => {
        const s = io({ auth: { key: 'not-the-key' }, reconnection: false })
        s.on('connect', () => { s.close(); resolve('connected') })
        s.on('connect_error', (e: Error) => { s.close(); resolve(e.message) })
      })
    })
    assert.equal(refused, 'unauthorized')
    await shot(page, '0-wrong-key')
    await page.close()
  })

  test('delete an instance from its card (two clicks)', async () => {
    const page = await newPage()
    await signIn(page, AUTH)
    const card = await visible(page.locator(`article[data-token="${TOKEN}"]`), 'the instance card')
    await card.getByRole('button', { name: 'Delete' }).click()
    await card.getByRole('button', { name: 'Confirm delete' }).click()
    await card.waitFor({ state: 'detached', timeout: WAIT_MS })
    await visible(page.getByText('No instances yet'), 'the empty instance list')
    const gone = await h.api('GET', `/api/whatsapp/instances/${TOKEN}`)
    assert.equal(gone.status, 404, 'the server no longer knows the instance')
    await page.close()
    assert.deepEqual(pageErrors, [], 'no script errors in the page')
  })

  test('sandbox: link with a pairing code that the simulated phone enters', async () => {
    const token = 'dash-code'
    const phone = '15550777001'
    const page = await newPage()
    await signIn(page, AUTH)
    await visible(page.getByText('Sandbox', { exact: true }), 'the sandbox badge')
    await page.getByLabel('Link with a pairing code instead of a QR').check()
    await page.getByLabel('Token', { exact: true }).fill(token)
    await page.getByLabel('Phone number (international)').fill(phone)
    await page.getByRole('button', { name: 'Create' }).click()
    const card = page.locator(`article[data-token="${token}"]`)
    const code = await visible(card.getByLabel('Pairing code'), 'the pairing code on the card')
    assert.match(String(await code.textContent()), /^[0-9A-Z]{4}-[0-9A-Z]{4}$/)
    await card.getByRole('button', { name: 'Enter the code on the simulated phone' }).click()
    await visible(card.locator('.badge[data-state=open]'), 'the instance state to turn open after the code')
    await visible(card.getByText(`+${phone}`), 'the linked phone number on the card')
    await shot(page, '7-pairing-code')
    await page.close()
    assert.deepEqual(pageErrors, [], 'no script errors in the page')
  })
})
