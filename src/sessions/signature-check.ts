// Baileys 7.0.0-rc14's Curve.verify calls libsignal's verifySignature, which returns false for a bad
// signature instead of throwing, and then answers true whatever it returned. So neither the Noise
// certificate chain of the server (checked against WhatsApp's root key) nor the account signature
// of a pairing is really verified. This puts a checking verify in its place, on Baileys' own
// exported Curve object, which the noise handler and the pairing code read at call time.
import { Curve } from '@whiskeysockets/baileys'
import { verify as verifyXeddsa } from 'curve25519-js'

/** Signal's "DJB" public keys may carry a 0x05 type byte in front of the 32 key bytes. */
function rawKey(pubKey: Uint8Array): Uint8Array | undefined {
  if (pubKey.length === 33 && pubKey[0] === 5) return pubKey.subarray(1)
  return pubKey.length === 32 ? pubKey : undefined
}

export function checkingVerify(pubKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const key = rawKey(pubKey)
  if (!key || !message || signature?.length !== 64) return false
  try {
    return verifyXeddsa(key, message, signature) === true
  } catch {
    return false
  }
}

let installed = false

/** Makes Baileys' Curve.verify really verify (idempotent; process-wide, like Baileys' own state). */
export function enforceSignatureChecks(): void {
  if (installed) return
  installed = true
  ;(Curve as { verify: typeof checkingVerify }).verify = checkingVerify
}
