// A stock automerge-repo client in a browser page, for the relay's browser
// test (tests/it/relay_browser.rs, driven by run.mjs). Bundled by build.mjs.
//
// Query string: url (the relay's WebSocket URL, with ?token=), peerId, doc
// (an automerge: URL), value (written to the root key `fromBrowser`),
// timeoutMs (default 20000).
//
// It prints one JSON object per console.log line: {"ready"}, {"connected"},
// {"found", "title", "heads"}, {"changed", "heads"}, {"flushed"}, then
// {"done": true}; on failure {"error": "..."}. The same is shown in the
// page's <output id="status">.
//
// The imports are the ones automerge-repo documents for bundlers without
// WebAssembly ES-module support (esbuild): the slim entry points, and the
// wasm initialised from its base64 copy.

import { Repo, Automerge as A, initializeBase64Wasm } from "@automerge/automerge-repo/slim"
import { automergeWasmBase64 } from "@automerge/automerge/automerge.wasm.base64"
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"

const status = document.getElementById("status")
let finished = false
function emit(obj) {
  console.log(JSON.stringify(obj))
  if (status) status.textContent = JSON.stringify(obj)
}
function fail(message) {
  if (finished) return
  finished = true
  emit({ error: String(message) })
}

const params = new URLSearchParams(location.search)
const url = params.get("url")
const peerId = params.get("peerId") ?? `browser-${Math.random().toString(16).slice(2)}`
const docUrl = params.get("doc")
const value = params.get("value")
const timeoutMs = Number(params.get("timeoutMs") ?? 20000)

setTimeout(() => fail(`page timeout after ${timeoutMs} ms`), timeoutMs)
window.addEventListener("error", e => fail(`uncaught: ${e.message}`))
window.addEventListener("unhandledrejection", e => fail(`unhandled rejection: ${e.reason?.message ?? e.reason}`))

function withTimeout(promise, ms, what) {
  let t
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      t = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms)
    }),
  ]).finally(() => clearTimeout(t))
}

const sleep = ms => new Promise(r => setTimeout(r, ms))

async function main() {
  if (!url || !docUrl || value === null) throw new Error("the query string needs url, doc and value")
  await initializeBase64Wasm(automergeWasmBase64)
  emit({ ready: true, userAgent: navigator.userAgent })

  // A token opens one connection only: a quick retry would be refused.
  const adapter = new WebSocketClientAdapter(url, 60_000)
  const repo = new Repo({ peerId, network: [adapter] })

  // The server's peer id, from its `peer` reply.
  const server = await withTimeout(
    new Promise(resolve => repo.networkSubsystem.once("peer", ({ peerId: p }) => resolve(p))),
    10_000,
    "connecting to the relay",
  )
  emit({ connected: server, peerId: repo.peerId })

  // The server's view of each document, from the automerge sync state.
  const syncStates = new Map() // documentId -> syncState with the server
  repo.synchronizer.on("sync-state", ({ peerId: p, syncState, documentId }) => {
    if (p === server) syncStates.set(documentId, syncState)
  })

  const handle = await withTimeout(repo.find(docUrl), 10_000, "find")
  const before = handle.doc()
  emit({ found: docUrl, title: before.title ?? null, schema: before.schema ?? null, heads: A.getHeads(before) })

  handle.change(d => {
    d.fromBrowser = value
  })
  const ours = A.getHeads(handle.doc())
  emit({ changed: docUrl, heads: ours })

  // Wait until the relay's heads, as its sync messages report them, cover
  // ours (as client.mjs's `flush` does), then for the socket to drain.
  const acked = () => {
    const st = syncStates.get(handle.documentId)
    if (!st) return false
    const theirs = new Set([...(st.theirHeads ?? []), ...(st.sharedHeads ?? [])])
    return ours.every(h => theirs.has(h))
  }
  const deadline = performance.now() + 10_000
  while (!acked()) {
    if (performance.now() > deadline) throw new Error("the relay did not acknowledge the change within 10000 ms")
    await sleep(10)
  }
  while (adapter.socket && adapter.socket.bufferedAmount > 0 && performance.now() < deadline) await sleep(5)
  emit({ flushed: true, heads: ours })

  await withTimeout(repo.shutdown(), 3000, "repo.shutdown")
  if (!finished) {
    finished = true
    emit({ done: true })
  }
}

main().catch(e => fail(e?.message ?? e))
