// The supported-Node check behind `npm start`'s warning (src/util/runtime.ts).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { MIN_NODE_MAJOR, nodeMajor, SUPPORTED_NODE_LINES, unsupportedNodeWarning, warnIfUnsupportedNode } from '../src/util/runtime.js'

test('nodeMajor reads the major of a Node version string', () => {
  assert.equal(nodeMajor('v20.20.2'), 20)
  assert.equal(nodeMajor('v24.22.3'), 24)
  assert.equal(nodeMajor('22.1.0'), 22)
  assert.ok(Number.isNaN(nodeMajor('')))
  assert.ok(Number.isNaN(nodeMajor('vNext')))
})

test('an older Node gets one warning naming the version found and the supported lines', () => {
  const lines: string[] = []
  assert.equal(warnIfUnsupportedNode('v20.20.2', (l) => lines.push(l)), true)
  assert.equal(lines.length, 1)
  assert.match(lines[0]!, /Node\.js v20\.20\.2 is not supported/)
  assert.match(lines[0]!, /Node\.js 22 and 24 \(24 recommended\)/)
  assert.match(lines[0]!, /Starting anyway/)
  assert.ok(unsupportedNodeWarning('v18.19.0'))
  assert.ok(unsupportedNodeWarning('v21.7.3'))
})

test('supported, newer or unparsable versions get no warning', () => {
  for (const version of ['v22.0.0', 'v22.12.0', 'v24.22.3', 'v25.1.0', 'v26.0.0', 'weird']) {
    const lines: string[] = []
    assert.equal(warnIfUnsupportedNode(version, (l) => lines.push(l)), false, version)
    assert.deepEqual(lines, [], version)
  }
})

test('package.json engines names the same oldest line', () => {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { engines: { node: string } }
  assert.equal(pkg.engines.node, `>=${MIN_NODE_MAJOR}`)
  assert.deepEqual([...SUPPORTED_NODE_LINES].sort(), [22, 24])
})
