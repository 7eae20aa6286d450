// Small real proxies for tests: SOCKS5 (RFC 1928, with RFC 1929 user/password) and HTTP CONNECT.
// Each counts the tunnels it opened, by destination port, and can require credentials.
import { connect as netConnect, createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { createServer as createHttpServer } from 'node:http'

export interface TestProxy {
  url: string
  /** Destination port → tunnels opened to it. */
  tunnels: Map<number, number>
  /** Tunnels refused (bad credentials). */
  refused: number
  close(): Promise<void>
}

const count = (map: Map<number, number>, port: number) => map.set(port, (map.get(port) ?? 0) + 1)

function pipeBoth(a: Socket, b: Socket): void {
  a.pipe(b).pipe(a)
  a.on('error', () => b.destroy())
  b.on('error', () => a.destroy())
}

async function listen(server: Server | ReturnType<typeof createHttpServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

/** A SOCKS5 proxy; with `auth`, clients must log in with that user and password. */
export async function startSocks5(auth?: { user: string; pass: string }): Promise<TestProxy> {
  const tunnels = new Map<number, number>()
  const proxy = { tunnels, refused: 0 } as TestProxy
  const sockets = new Set<Socket>()
  const server = createServer((client) => {
    sockets.add(client)
    client.on('close', () => sockets.delete(client))
    client.on('error', () => client.destroy())
    let stage: 'greeting' | 'auth' | 'request' = 'greeting'
    let buf = Buffer.alloc(0)
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk])
      if (stage === 'greeting') {
        if (buf.length < 2 || buf.length < 2 + buf[1]) return
        const methods = [...buf.subarray(2, 2 + buf[1])]
        buf = buf.subarray(2 + buf[1])
        const want = auth ? 0x02 : 0x00
        if (!methods.includes(want)) return void client.end(Buffer.from([5, 0xff]))
        client.write(Buffer.from([5, want]))
        stage = auth ? 'auth' : 'request'
      }
      if (stage === 'auth') {
        if (buf.length < 2) return
        const ulen = buf[1]
        if (buf.length < 3 + ulen) return
        const plen = buf[2 + ulen]
        if (buf.length < 3 + ulen + plen) return
        const user = buf.subarray(2, 2 + ulen).toString()
        const pass = buf.subarray(3 + ulen, 3 + ulen + plen).toString()
        buf = buf.subarray(3 + ulen + plen)
        if (user !== auth?.user || pass !== auth?.pass) {
          proxy.refused++
          return void client.end(Buffer.from([1, 1]))
        }
        client.write(Buffer.from([1, 0]))
        stage = 'request'
      }
      if (stage === 'request') {
        if (buf.length < 5) return
        const atyp = buf[3]
        let host: string
        let end: number
        if (atyp === 1) {
          end = 8
          if (buf.length < end + 2) return
          host = [...buf.subarray(4, 8)].join('.')
        } else if (atyp === 3) {
          end = 5 + buf[4]
          if (buf.length < end + 2) return
          host = buf.subarray(5, end).toString()
        } else {
          return void client.end(Buffer.from([5, 8, 0, 1, 0, 0, 0, 0, 0, 0]))
        }
        const port = buf.readUInt16BE(end)
        const rest = buf.subarray(end + 2)
        client.off('data', onData)
        const upstream = netConnect(port, host, () => {
          count(tunnels, port)
          client.write(Buffer.from([5, 0, 0, 1, 127, 0, 0, 1, 0, 0]))
          if (rest.length) upstream.write(rest)
          pipeBoth(client, upstream)
        })
        upstream.on('error', () => client.end(Buffer.from([5, 5, 0, 1, 0, 0, 0, 0, 0, 0])))
      }
    }
    client.on('data', onData)
  })
  const port = await listen(server)
  proxy.url = auth ? `socks5://${auth.user}:${auth.pass}@127.0.0.1:${port}` : `socks5://127.0.0.1:${port}`
  proxy.close = () => new Promise((resolve) => {
    for (const s of sockets) s.destroy()
    server.close(() => resolve())
  })
  return proxy
}

/** An HTTP proxy that only tunnels (CONNECT), as used for wss:// and https://. */
export async function startHttpConnectProxy(): Promise<TestProxy> {
  const tunnels = new Map<number, number>()
  const proxy = { tunnels, refused: 0 } as TestProxy
  const sockets = new Set<Socket>()
  const server = createHttpServer((_req, res) => res.writeHead(405).end())
  server.on('connect', (req, client: Socket, head: Buffer) => {
    sockets.add(client)
    client.on('close', () => sockets.delete(client))
    const [host, portText] = (req.url ?? '').split(':')
    const port = Number(portText)
    const upstream = netConnect(port, host, () => {
      count(tunnels, port)
      client.write('HTTP/1.1 200 Connection established\r\n\r\n')
      if (head.length) upstream.write(head)
      pipeBoth(client, upstream)
    })
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'))
  })
  const port = await listen(server)
  proxy.url = `http://127.0.0.1:${port}`
  proxy.close = () => new Promise((resolve) => {
    for (const s of sockets) s.destroy()
    server.close(() => resolve())
  })
  return proxy
}
