// Dependencies' console output: redacted before it reaches the log (unit level; the real-process
// check on the restart path is test/e2e/secrets-in-logs.test.ts).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import pino from 'pino'
import { redactText, redactValue, routeConsoleToLogger } from '../src/console-capture.js'

class SessionEntry {
  registrationId = 7
  currentRatchet = { rootKey: Buffer.alloc(32, 1), ephemeralKeyPair: { pubKey: Buffer.alloc(33, 2), privKey: Buffer.alloc(32, 3) }, previousCounter: 0 }
  indexInfo = { baseKey: Buffer.alloc(33, 4), closed: -1 }
  _chains = { abc: { chainKey: { counter: 1, key: Buffer.alloc(32, 5) }, chainType: 1 } }
}

test('objects lose bytes and key-named fields; text loses byte dumps, key fields and secret values', () => {
  const safe = JSON.stringify(redactValue(new SessionEntry()))
  for (const word of ['rootKey', 'privKey', 'chainKey', 'baseKey', 'ephemeralKeyPair']) assert.ok(!safe.includes(word), `${word} in ${safe}`)
  assert.match(safe, /"registrationId":7/)
  assert.match(safe, /"previousCounter":0/)
  const text = redactText("Closing session: SessionEntry { privKey: <Buffer 01 02>, rootKey: 'x', noiseKey: {a} } token-abcdefghijklmnop", ['token-abcdefghijklmnop'])
  for (const bad of ['<Buffer', 'privKey', 'rootKey', 'noiseKey', 'token-abcdefghijklmnop']) assert.ok(!text.includes(bad), `${bad} in ${text}`)
  assert.match(text, /^Closing session: /)
})

test('console.* goes to the logger at debug, redacted, and nowhere when debug is off', () => {
  const lines: string[] = []
  const sink = new Writable({ write(chunk: Buffer, _enc, cb) { lines.push(chunk.toString()); cb() } })
  const restore = routeConsoleToLogger(pino({ level: 'debug' }, sink), ['the-admin-key-123456'])
  try {
    console.info('Closing session:', new SessionEntry())
    console.error('auth was the-admin-key-123456')
  } finally {
    restore()
  }
  const out = lines.join('')
  assert.equal(lines.length, 2)
  assert.match(out, /"level":20.*"source":"console".*"method":"info".*Closing session: /)
  for (const bad of ['privKey', 'rootKey', 'chainKey', '<Buffer', 'the-admin-key-123456']) assert.ok(!out.includes(bad), `${bad} in ${out}`)

  lines.length = 0
  const restoreQuiet = routeConsoleToLogger(pino({ level: 'info' }, sink), [])
  try {
    console.log('nothing to see')
  } finally {
    restoreQuiet()
  }
  assert.equal(lines.length, 0, 'debug output is dropped at info')
})
