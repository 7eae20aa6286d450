// CSRF in a real browser (Debian's chromium through playwright-core). The browser holds the AUTH
// key as cached Basic credentials (sent with every request to the gateway, as after a Basic
// prompt); a page on another origin auto-submits a form that would replace the instance webhook.
// It must be refused and the webhook kept. The same-origin dashboard keeps working, and Swagger UI
// loads through the dashboard's own sign-in, with no Basic challenge.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { chromium, type Browser, type BrowserContext, type Response } from 'playwright-core'
import { AUTH, basicAuth, startHarness, type Harness } from '../helpers/harness.js'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const TOKEN = 'csrf1'
const ORIGINAL = 'https://receiver.example.com/original'
const EVIL = 'https://attacker.example.net/steal'
const WAIT_MS = 25_000

let h: Harness
let chrome: Browser
/** A browser that sends the key with every request to the gateway (as after a Basic prompt). */
let browser: BrowserContext
/** A fresh browser: only what the dashboard itself sends. */
let clean: BrowserContext
let attacker: Server
let attackerPort = 0

/** The attacker's page: a form that posts itself to the gateway as soon as it loads. */
const attackPage = (target: string) => `<!doctype html><html><body>
<form id="f" method="POST" action="${target}"><input name="url" value="${EVIL}"></form>
<script>document.getElementById('f').submit()</script></body></html>`

before(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium to run the CSRF browser test`)
  h = await startHarness()
  const set = await h.api('POST', `/api/whatsapp/instances/${TOKEN}/webhook`, { url: ORIGINAL })
  assert.equal(set.status, 200, 'a server-to-server client (no Origin) sets the webhook')
  attacker = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end(attackPage(`${h.baseUrl}/api/whatsapp/instances/${TOKEN}/webhook`))
  })
  await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve))
  attackerPort = (attacker.address() as AddressInfo).port
  chrome = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
  // The worst case: the browser sends the key with every request to the gateway's origin (what
  // cached Basic credentials do), attached at the network layer below Chromium's own headers.
  browser = await chrome.newContext()
  await browser.route(`${h.baseUrl}/**`, async (route) => route.continue({ headers: { ...(await route.request().allHeaders()), authorization: basicAuth() } }))
  clean = await chrome.newContext()
})

after(async () => {
  await chrome?.close()
  attacker?.closeAllConnections()
  attacker?.close()
  await h?.close()
})

const webhookUrl = async () => (await h.api<{ url: string }>('GET', `/api/whatsapp/instances/${TOKEN}/webhook`)).body.data?.url

describe('cross-site form posts in Chromium', () => {
  for (const host of ['127.0.0.1', 'localhost']) {
    test(`a page on http://${host}:<other port> auto-submitting a form is refused (403); the webhook is kept`, async () => {
      const page = await browser.newPage()
      try {
        const posted = page.waitForResponse((r: Response) => r.url().endsWith(`/instances/${TOKEN}/webhook`) && r.request().method() === 'POST', { timeout: WAIT_MS })
        await page.goto(`http://${host}:${attackerPort}/`)
        const res = await posted
        const sent = await res.request().allHeaders()
        assert.match(sent.authorization ?? '', /^Basic /, 'the browser did attach the cached credentials')
        assert.equal(res.status(), 403)
        const body = (await res.json()) as { status: boolean; message: string }
        assert.equal(body.status, false)
        assert.match(body.message, /cross-site request refused/)
        assert.equal(await webhookUrl(), ORIGINAL, 'the webhook was not replaced')
      } finally {
        await page.close()
      }
    })
  }

  test('the same-origin dashboard still writes, and Swagger UI loads through its sign-in without a Basic challenge', async () => {
    const page = await clean.newPage()
    const challenges: string[] = []
    page.on('response', (r) => {
      if (r.headers()['www-authenticate']) challenges.push(r.url())
    })
    try {
      await page.goto(`${h.baseUrl}/`)
      await page.getByLabel('AUTH key').fill(AUTH)
      await page.getByRole('button', { name: 'Sign in' }).click()
      await page.locator('#live-status[data-state=live]').first().waitFor({ state: 'visible', timeout: WAIT_MS })
      // A state-changing call from the dashboard's own origin, the way its scripts make them.
      const status = await page.evaluate(async ([token, url, module]) => {
        const { api } = (await import(module)) as { api: (m: string, p: string, b: unknown) => Promise<{ status: number }> }
        return (await api('POST', `/api/whatsapp/instances/${token}/webhook`, { url })).status
      }, [TOKEN, ORIGINAL + '?from=dashboard', '/js/api.js'])
      assert.equal(status, 200)
      assert.equal(await webhookUrl(), ORIGINAL + '?from=dashboard')

      await page.getByRole('link', { name: 'API docs' }).click()
      await page.waitForURL(`${h.baseUrl}/api/docs/`, { timeout: WAIT_MS })
      await page.locator('.opblock-summary-path', { hasText: '/api/whatsapp/send-text' }).first().waitFor({ state: 'visible', timeout: WAIT_MS })
      assert.deepEqual(challenges, [], 'no response carried a WWW-Authenticate challenge')
    } finally {
      await page.close()
    }
  })
})
