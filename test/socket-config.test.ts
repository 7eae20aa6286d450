// What every Session hands to Baileys: no `undefined` may override one of Baileys' defaults, and
// Baileys' signature check (Noise certificates, pairing) really checks once the gateway runs.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Curve, DEFAULT_CONNECTION_CONFIG, initAuthCreds } from '@whiskeysockets/baileys'
import pino from 'pino'
import { ConfigError, loadConfig } from '../src/config/index.js'
import { socketConfig } from '../src/sessions/socket-config.js'
import { checkingVerify, enforceSignatureChecks } from '../src/sessions/signature-check.js'
import { definedOnly } from '../src/util/defined.js'

const auth = { creds: initAuthCreds(), keys: { get: async () => ({}), set: async () => undefined } }

test('unset settings are absent, so Baileys keeps its defaults (wss://web.whatsapp.com/ws/chat)', () => {
  const cfg = socketConfig({ auth, logger: pino({ level: 'silent' }), syncHistory: 'recent', getMessage: async () => undefined })
  for (const [key, value] of Object.entries(cfg)) assert.notEqual(value, undefined, `option ${key} is undefined`)
  for (const key of ['waWebSocketUrl', 'qrTimeout', 'fetchAgent']) assert.equal(key in cfg, false, `${key} must be absent`)
  const merged = { ...DEFAULT_CONNECTION_CONFIG, ...cfg }
  assert.equal(merged.waWebSocketUrl, 'wss://web.whatsapp.com/ws/chat')
  for (const [key, value] of Object.entries(DEFAULT_CONNECTION_CONFIG)) {
    if (value !== undefined) assert.notEqual(merged[key as keyof typeof merged], undefined, `default ${key} was overridden by undefined`)
  }
})

test('settings that are given reach Baileys', () => {
  const cfg = socketConfig({
    auth, logger: pino({ level: 'silent' }), syncHistory: 'off', getMessage: async () => undefined,
    waWebSocketUrl: 'ws://127.0.0.1:1/ws', qrTimeoutMs: 5000,
  })
  assert.equal(cfg.waWebSocketUrl, 'ws://127.0.0.1:1/ws')
  assert.equal(cfg.qrTimeout, 5000)
  assert.deepEqual(definedOnly({ a: 1, b: undefined, c: null }), { a: 1, c: null })
})

test('signatures are really verified: a wrong key or a forged signature is refused', () => {
  const signer = Curve.generateKeyPair()
  const other = Curve.generateKeyPair()
  const msg = Buffer.from('noise certificate details')
  const sig = Buffer.from(Curve.sign(signer.private, msg))
  assert.equal(checkingVerify(signer.public, msg, sig), true)
  assert.equal(checkingVerify(other.public, msg, sig), false)
  assert.equal(checkingVerify(signer.public, Buffer.from('tampered'), sig), false)
  assert.equal(checkingVerify(signer.public, msg, sig.subarray(1)), false)
  enforceSignatureChecks()
  assert.equal(Curve.verify(signer.public, msg, sig), true)
  assert.equal(Curve.verify(other.public, msg, sig), false, "Baileys' Curve.verify must refuse a signature by another key")
})

test('WA_ROOT_PUBLIC_KEY and WA_CA_FILE are validated', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wagw-cfg-'))
  try {
    const base = { AUTH: 'config-test-key-000001', DATA_DIR: dir }
    assert.throws(() => loadConfig({ ...base, WA_ROOT_PUBLIC_KEY: 'AAAA' }), (e: unknown) => e instanceof ConfigError && /32-byte/.test(e.message))
    assert.throws(() => loadConfig({ ...base, WA_CA_FILE: join(dir, 'missing.pem') }), (e: unknown) => e instanceof ConfigError && /WA_CA_FILE/.test(e.message))
    writeFileSync(join(dir, 'not.pem'), 'hello')
    assert.throws(() => loadConfig({ ...base, WA_CA_FILE: join(dir, 'not.pem') }), /PEM/)
    const key = Buffer.alloc(32, 7)
    assert.deepEqual(Buffer.from(loadConfig({ ...base, WA_ROOT_PUBLIC_KEY: key.toString('base64') }).waRootPublicKey ?? []), key)
    assert.deepEqual(Buffer.from(loadConfig({ ...base, WA_ROOT_PUBLIC_KEY: key.toString('hex') }).waRootPublicKey ?? []), key)
    const plain = loadConfig(base)
    assert.equal(plain.waWebSocketUrl, undefined)
    assert.equal(plain.waRootPublicKey, undefined)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
