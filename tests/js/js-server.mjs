// Reference JavaScript automerge-repo sync server: the anchor the Nous relay is
// compared against. Same wiring as automerge/automerge-repo-sync-server
// (src/server.js): a Repo with NodeWSServerAdapter over a `ws` WebSocketServer,
// NodeFSStorageAdapter, and `sharePolicy: async () => false` (serve any doc a
// peer asks for by id, never announce). Express is replaced by a bare
// node:http server; the only HTTP route is a plain-text GET /.
//
// Usage: PORT=0 DATA_DIR=/tmp/x node js-server.mjs      (env)
//        node js-server.mjs [port] [dataDir]            (argv wins over env)
// PORT=0 (the default) picks a free port. Binds 127.0.0.1 only (HOST may
// override). Prints one JSON line {"listening": port} on stdout when ready.
// SIGTERM/SIGINT: closes sockets, flushes storage, exits 0.
// The `token` query parameter the Nous relay requires is ignored here.

import fs from "node:fs"
import http from "node:http"
import os from "node:os"
import path from "node:path"
import { WebSocketServer } from "ws"
import { Repo } from "@automerge/automerge-repo"
import { NodeWSServerAdapter } from "@automerge/automerge-repo-network-websocket"
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs"

const port = parseInt(process.argv[2] ?? process.env.PORT ?? "0", 10)
const dataDir =
  process.argv[3] ??
  process.env.DATA_DIR ??
  fs.mkdtempSync(path.join(os.tmpdir(), "nous-js-server-"))
const host = process.env.HOST ?? "127.0.0.1"

fs.mkdirSync(dataDir, { recursive: true })

const wss = new WebSocketServer({ noServer: true })
const repo = new Repo({
  network: [new NodeWSServerAdapter(wss)],
  storage: new NodeFSStorageAdapter(dataDir),
  peerId: `storage-server-${os.hostname()}`,
  // A server does not share generously: it only syncs docs peers ask for by id.
  sharePolicy: async () => false,
})

const server = http.createServer((req, res) => {
  res.writeHead(200, { "content-type": "text/plain" })
  res.end("automerge-repo reference sync server (nous tests/js) is running\n")
})
server.on("upgrade", (request, socket, head) => {
  wss.handleUpgrade(request, socket, head, ws => {
    wss.emit("connection", ws, request)
  })
})
server.listen(port, host, () => {
  process.stdout.write(JSON.stringify({ listening: server.address().port }) + "\n")
})

let stopping = false
async function stop(signal) {
  if (stopping) return
  stopping = true
  // Hard deadline so the process always goes away.
  setTimeout(() => process.exit(0), 3000).unref()
  try {
    for (const client of wss.clients) client.terminate()
    await repo.shutdown()
    wss.close()
    server.close()
    server.closeAllConnections?.()
  } catch (e) {
    process.stderr.write(`js-server: error during ${signal} shutdown: ${e}\n`)
  }
  process.exit(0)
}
process.on("SIGTERM", () => stop("SIGTERM"))
process.on("SIGINT", () => stop("SIGINT"))
