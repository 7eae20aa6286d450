// Test preload (node --import): TLS connections to web.whatsapp.com:443 go to DIAL_REDIRECT_PORT on
// 127.0.0.1 instead, keeping the SNI and everything else the client sends, so an offline test sees
// exactly what the production entry dials. Nothing else is touched.
import tls from 'node:tls'

const port = Number(process.env.DIAL_REDIRECT_PORT)
const connect = tls.connect
tls.connect = function redirected(...args) {
  const opts = args[0]
  if (opts && typeof opts === 'object' && opts.host === 'web.whatsapp.com' && Number(opts.port ?? 443) === 443) {
    args[0] = { ...opts, host: '127.0.0.1', port, servername: opts.servername || opts.host }
  }
  return connect.apply(this, args)
}
