// The README's curl examples, run with real curl against a gateway in sandbox mode, so the docs
// cannot drift from the API (issue 10). Every ```bash command that calls the API must answer 2xx.
// What a reader would do between two commands (scan the QR, wait for it, have a contact send a
// picture, copy an id from one answer into the next) is done here; placeholders (`<batchId>`,
// `3EB0…`, the sample group id, the sample pairing code) get real values. Skipped commands are
// listed in SKIPPED with the reason, and reported.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { AUTH, startHarness, type Harness } from '../helpers/harness.js'
import { bashCommands, type DocCommand } from '../helpers/readme-commands.js'

const run = promisify(execFile)
const README = fileURLToPath(new URL('../../README.md', import.meta.url))
const TOKEN = 'sales'
const SAMPLE_GROUP = '120363000000000001@g.us'
const CONTACTS = ['15551234567', '15551230001', '15551230002', '15551230003']

/** Commands not run, and why: each rule must still match a README command (no stale excuses). */
const SKIPPED: Array<{ match: RegExp; why: string }> = [
  { match: /https:\/\/example\.com\//, why: 'the gateway would fetch media from example.com; tests run offline' },
]

let h: Harness
let cwd = ''
/** Values a reader copies from one answer into the next command. */
const ctx: { batchId?: string; sentId?: string; mediaId?: string; groupId?: string; pairingCode?: string; keyId?: string } = {}

before(async () => {
  h = await startHarness()
  for (const number of CONTACTS) await h.sim.createContact({ number })
  cwd = mkdtempSync(join(tmpdir(), 'wagw-readme-'))
  // `-F file=@report.pdf`: a real (tiny) PDF where the reader's shell would find theirs.
  writeFileSync(join(cwd, 'report.pdf'), '%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n')
})

after(async () => {
  await h?.close()
  if (cwd) rmSync(cwd, { recursive: true, force: true })
})

/** Polls a condition (no fixed sleeps): resolves when it holds, fails naming what it waited for. */
async function until(what: string, cond: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

const stateOf = async (token: string) => (await h.api<{ state: string }>('GET', `/api/whatsapp/instances/${token}`)).body.data?.state

async function ensureOpen(): Promise<void> {
  if ((await stateOf(TOKEN)) !== 'open') await h.pair(TOKEN)
}

/** What the reader has done before this command (pairing, waiting for a QR, receiving media). */
async function prepare(cmd: string): Promise<void> {
  const path = /(?:\$API|localhost:3000\/api)(\/[^\s"']*)/.exec(cmd)?.[1] ?? ''
  if (path.startsWith('/sandbox/scan')) {
    const token = /"token":"([^"]+)"/.exec(cmd)?.[1] ?? ''
    await until(`instance ${token} to show a QR`, async () => (await stateOf(token)) === 'qr')
    return
  }
  const usesSales = cmd.includes(`"token":"${TOKEN}"`) || cmd.includes(`token=${TOKEN}`) || /\/(batches|store|instances\/sales\/webhook)/.test(path)
  const managesInstance = /^\/(create-instance|delete-credential|instances(\/sales)?(\/qr|\/restart)?)$/.test(path.split('?')[0])
  if (path === '/delete-credential' || path === '/instances/sales/qr') {
    if (!(await stateOf(TOKEN))) await h.api('POST', '/api/whatsapp/create-instance', { token: TOKEN })
    if (path.endsWith('/qr')) await until('instance sales to show a QR', async () => (await stateOf(TOKEN)) === 'qr')
    return
  }
  if (!usesSales || managesInstance) return
  await ensureOpen()
  if (path === '/download-media' && !ctx.mediaId) {
    const me = (await h.api<{ user: { id: string } }>('GET', `/api/whatsapp/instances/${TOKEN}`)).body.data?.user.id ?? ''
    const { id } = await h.sim.contact(CONTACTS[0])!.sendMedia(me.split(/[:@]/)[0], { data: Buffer.from('a picture'), mimetype: 'image/png' })
    await until('the received picture in the store', async () => {
      const res = await h.api<unknown[]>('POST', '/api/whatsapp/store/chats', { token: TOKEN, type: 'messages', jid: `${CONTACTS[0]}@s.whatsapp.net` })
      return JSON.stringify(res.body.data ?? []).includes(id)
    })
    ctx.mediaId = id
  }
  if (cmd.includes(SAMPLE_GROUP) && !ctx.groupId) {
    const made = await h.api<{ id: string }>('POST', '/api/whatsapp/group-create', { token: TOKEN, subject: 'Team', participants: CONTACTS.slice(1, 3) })
    assert.equal(made.status, 200, JSON.stringify(made.body))
    ctx.groupId = made.body.data?.id
  }
}

/** Real values for the README's placeholders. */
function fill(cmd: string): string {
  let out = cmd.replaceAll('http://localhost:3000', h.baseUrl)
  if (out.includes('<batchId>')) out = out.replace('<batchId>', need(ctx.batchId, 'a batchId from the bulk send'))
  if (out.includes('3EB0…')) {
    const id = out.includes('/download-media') ? need(ctx.mediaId, 'a received media id') : need(ctx.sentId, 'a sent message id')
    out = out.replaceAll('3EB0…', id)
  }
  if (out.includes(SAMPLE_GROUP)) out = out.replaceAll(SAMPLE_GROUP, need(ctx.groupId, 'a group id'))
  if (out.includes('/sandbox/pair')) out = out.replace('ABCD1234', need(ctx.pairingCode, 'the pairing code create-instance answered'))
  if (out.includes('/api/keys/<id>')) out = out.replace('<id>', need(ctx.keyId, 'the id of a created API key'))
  return out
}

function need(v: string | undefined, what: string): string {
  if (!v) throw new Error(`the README example needs ${what} from an earlier example, and none came`)
  return v
}

/** Remembers what a reader would copy from an answer. */
function remember(cmd: string, body: string): void {
  let parsed: { data?: { batchId?: string; pairingCode?: string; key?: { id?: string } | string; id?: string } } | undefined
  try {
    parsed = JSON.parse(body) as typeof parsed
  } catch {
    return
  }
  const data = parsed?.data
  if (data?.batchId) ctx.batchId = data.batchId
  if (data?.pairingCode) ctx.pairingCode = data.pairingCode
  if (cmd.includes('/send-text') && typeof data?.key === 'object' && data.key.id) ctx.sentId = data.key.id
  if (cmd.includes('/api/keys') && data?.id) ctx.keyId = data.id
}

async function curl(cmd: string): Promise<{ status: number; body: string }> {
  // -sS: quiet but with errors; -w: the status on a last line of its own; --max-time: no hang.
  const { stdout } = await run('bash', ['-c', `${cmd} -sS --max-time 60 -w '\\n%{http_code}'`], {
    cwd, env: { ...process.env, AUTH, API: `${h.baseUrl}/api/whatsapp` }, maxBuffer: 16 * 1024 * 1024,
  })
  const cut = stdout.lastIndexOf('\n')
  return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, Math.max(cut, 0)) }
}

test('every curl example in README.md answers 2xx against the sandbox', { timeout: 240_000 }, async (t) => {
  const all = bashCommands(readFileSync(README, 'utf8'))
  const api = all.filter((c) => c.text.startsWith('curl ') && /\$API|localhost:3000/.test(c.text))
  for (const c of all.filter((x) => !api.includes(x))) t.diagnostic(`not an API call, not run: ${c.text}`)
  assert.ok(api.length >= 30, `found ${api.length} curl examples: the parser still reads the README`)

  const skipped: Array<[DocCommand, string]> = []
  const failures: string[] = []
  for (const c of api) {
    const rule = SKIPPED.find((r) => r.match.test(c.text))
    if (rule) {
      skipped.push([c, rule.why])
      continue
    }
    await prepare(c.text)
    const cmd = fill(c.text)
    const { status, body } = await curl(cmd)
    if (status < 200 || status > 299) failures.push(`README.md:${c.line} [${c.section}] ${status} ${body.slice(0, 300)}\n    ${c.text}`)
    else remember(c.text, body)
  }
  for (const [c, why] of skipped) t.diagnostic(`skipped README.md:${c.line} (${why}): ${c.text}`)
  t.diagnostic(`ran ${api.length - skipped.length} of ${api.length} curl examples`)
  for (const rule of SKIPPED) assert.ok(skipped.some(([, why]) => why === rule.why), `skip rule ${rule.match} matches no README example any more`)
  assert.deepEqual(failures, [], 'README examples that do not answer 2xx')
})
