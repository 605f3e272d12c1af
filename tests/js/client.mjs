// Scriptable stock automerge-repo client, driven by Rust integration tests.
//
//   node client.mjs '<json script>'      (or: node client.mjs @script.json,
//                                         or: script on stdin with no argv)
//
// Prints one JSON line per event on stdout. Exit codes: 0 success; 1 a step
// failed; 2 bad script; 3 global timeout. On failure the last stdout line is
// {"error": "..."}. The process always exits by itself.
// See README.md in this directory for the script format.

import fs from "node:fs"
import { randomBytes } from "node:crypto"
import * as A from "@automerge/automerge"
import { Repo } from "@automerge/automerge-repo"
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"

// ---- output -----------------------------------------------------------------

// Synchronous writes: stdout to a pipe is async in Node and process.exit()
// could otherwise drop lines.
function emit(obj) {
  fs.writeSync(1, JSON.stringify(obj) + "\n")
}

let exiting = false
function die(code, message, extra = {}) {
  if (exiting) return
  exiting = true
  emit({ error: String(message), ...extra })
  process.exit(code)
}

class StepError extends Error {
  constructor(message, extra = {}) {
    super(message)
    this.extra = extra
  }
}

// ---- JSON helpers -----------------------------------------------------------

// Automerge values -> plain JSON. Strings (collaborative text or
// ImmutableString) become plain strings, counters numbers, bytes
// {"$bytes": base64}, dates ISO strings.
function plain(v) {
  if (v === null || v === undefined) return v ?? null
  if (typeof v === "bigint") return Number(v)
  if (typeof v !== "object") return v
  if (A.isImmutableString(v)) return v.toString()
  if (A.isCounter(v)) return v.value
  if (v instanceof Date) return v.toISOString()
  if (v instanceof Uint8Array) return { $bytes: Buffer.from(v).toString("base64") }
  if (Array.isArray(v)) return v.map(plain)
  const out = {}
  for (const k of Object.keys(v)) out[k] = plain(v[k])
  return out
}

// Stable stringify (sorted keys) for deep equality.
function canon(v) {
  if (Array.isArray(v)) return "[" + v.map(canon).join(",") + "]"
  if (v && typeof v === "object")
    return (
      "{" +
      Object.keys(v)
        .sort()
        .map(k => JSON.stringify(k) + ":" + canon(v[k]))
        .join(",") +
      "}"
    )
  return JSON.stringify(v ?? null)
}
const deepEqual = (a, b) => canon(plain(a)) === canon(plain(b))

function getPath(obj, path) {
  let cur = obj
  for (const p of path) {
    if (cur === null || cur === undefined) return undefined
    cur = cur[p]
  }
  return cur
}

// ---- script -----------------------------------------------------------------

function readScript() {
  let text = process.argv[2]
  if (text === undefined || text === "-") text = fs.readFileSync(0, "utf8")
  else if (text.startsWith("@")) text = fs.readFileSync(text.slice(1), "utf8")
  try {
    return JSON.parse(text)
  } catch (e) {
    die(2, `bad script JSON: ${e.message}`)
  }
}

const script = readScript()
if (!script || typeof script !== "object" || typeof script.url !== "string")
  die(2, "script must be an object with a string `url`")
if (script.steps !== undefined && !Array.isArray(script.steps))
  die(2, "`steps` must be a list")

const globalTimeoutMs = script.timeoutMs ?? 20000
setTimeout(() => die(3, `global timeout after ${globalTimeoutMs} ms`), globalTimeoutMs)

process.on("uncaughtException", e => die(1, `uncaught: ${e?.message ?? e}`))
process.on("unhandledRejection", e => die(1, `unhandled rejection: ${e?.message ?? e}`))

// ---- repo -------------------------------------------------------------------

// The stock adapter, observed: socket errors other than ECONNREFUSED (for
// example "Unexpected server response: 401" when the relay refuses a token)
// are thrown from an event listener by the stock adapter; here they are
// reported as events instead, and the adapter keeps its normal retry loop.
let lastSocketError = null
let lastSocketClose = null
const socketProblem = () => [lastSocketError, lastSocketClose].filter(Boolean).join("; ")
class ObservedAdapter extends WebSocketClientAdapter {
  constructor(url, retryInterval) {
    super(url, retryInterval)
    const origClose = this.onClose
    const origError = this.onError
    this.onClose = ev => {
      lastSocketClose = `socket closed (code ${ev?.code}${ev?.reason ? `, ${ev.reason}` : ""})`
      emit({ wsClose: ev?.code ?? null, reason: ev?.reason ? String(ev.reason) : "" })
      origClose(ev)
    }
    this.onError = ev => {
      const err = ev?.error
      const msg = err?.message ?? ev?.message ?? "websocket error"
      lastSocketError = msg
      emit({ wsError: msg })
      if (err && err.code !== "ECONNREFUSED") return // do not throw; retry continues
      origError(ev)
    }
  }
}

const peerId = script.peerId ?? `js-client-${randomBytes(6).toString("hex")}`
const adapter = new ObservedAdapter(script.url, script.retryIntervalMs ?? 5000)

let storage
if (script.dataDir) {
  const { NodeFSStorageAdapter } = await import("@automerge/automerge-repo-storage-nodefs")
  storage = new NodeFSStorageAdapter(script.dataDir)
}

const repo = new Repo({ peerId, network: [adapter], storage })
if (repo.peerId !== peerId) die(1, `Repo did not keep peerId ${peerId} (got ${repo.peerId})`)

let connectedTo = null
const connectWaiters = []
repo.networkSubsystem.on("peer", ({ peerId: remote }) => {
  connectedTo = remote
  emit({ connected: remote, peerId })
  connectWaiters.splice(0).forEach(f => f())
})
repo.networkSubsystem.on("peer-disconnected", ({ peerId: remote }) => {
  if (connectedTo === remote) connectedTo = null
  emit({ disconnected: remote })
})

// Latest sync state per (doc, peer): used by `flush`.
const syncStates = new Map() // documentId -> Map(peerId -> syncState)
repo.synchronizer.on("sync-state", ({ peerId: p, syncState, documentId }) => {
  if (!syncStates.has(documentId)) syncStates.set(documentId, new Map())
  syncStates.get(documentId).set(p, syncState)
})

function waitConnected(timeoutMs) {
  if (connectedTo) return Promise.resolve(true)
  return new Promise(resolve => {
    const t = setTimeout(() => resolve(false), timeoutMs)
    connectWaiters.push(() => {
      clearTimeout(t)
      resolve(true)
    })
  })
}

// ---- documents --------------------------------------------------------------

const handles = new Map() // name -> handle
const ephemeralQueues = new Map() // documentId -> [{message, senderId}]
const ephemeralWaiters = new Map() // documentId -> [fn]

function track(name, handle) {
  if (name !== undefined) handles.set(name, handle)
  const id = handle.documentId
  if (!ephemeralQueues.has(id)) {
    ephemeralQueues.set(id, [])
    ephemeralWaiters.set(id, [])
    handle.on("ephemeral-message", ({ message, senderId }) => {
      ephemeralQueues.get(id).push({ message: plain(message), senderId })
      ephemeralWaiters.get(id).slice().forEach(f => f())
    })
  }
}

function handleOf(step) {
  const h = handles.get(step.doc)
  if (!h) throw new StepError(`unknown doc name ${JSON.stringify(step.doc)}`)
  return h
}

const docJson = h => plain(h.doc())
const hexHeads = h => A.getHeads(h.doc())

function requirePath(step) {
  if (!Array.isArray(step.path) || step.path.length === 0)
    throw new StepError("`path` must be a non-empty list")
  return step.path
}

// Walk to the parent of path, creating maps where missing.
function parentFor(d, path) {
  let cur = d
  for (let i = 0; i < path.length - 1; i++) {
    const p = path[i]
    if (cur[p] === undefined || cur[p] === null) cur[p] = {}
    cur = cur[p]
  }
  return cur
}

function withTimeout(promise, ms, onTimeout) {
  let t
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      t = setTimeout(() => reject(onTimeout()), ms)
    }),
  ]).finally(() => clearTimeout(t))
}

// ---- steps ------------------------------------------------------------------

const ops = {
  async create(step) {
    const h = repo.create(step.content ?? {})
    track(step.as, h)
    emit({ created: h.url, as: step.as ?? null, docId: h.documentId })
  },

  async import(step) {
    if (typeof step.docId !== "string") throw new StepError("import needs a string `docId`")
    const binary = A.save(A.from(step.content ?? {}))
    const h = repo.import(binary, { docId: step.docId })
    await h.whenReady()
    track(step.as, h)
    emit({ imported: h.url, as: step.as ?? null, docId: h.documentId })
  },

  async find(step) {
    const ms = step.timeoutMs ?? 10000
    let h
    try {
      h = await withTimeout(repo.find(step.url), ms, () => new StepError(`find timed out after ${ms} ms`, { url: step.url }))
    } catch (e) {
      if (e instanceof StepError) throw e
      if (/unavailable/i.test(e?.message ?? "")) {
        emit({ unavailable: step.url, as: step.as ?? null })
        return
      }
      throw new StepError(`find failed: ${e?.message ?? e}`)
    }
    track(step.as, h)
    emit({ found: step.url, as: step.as ?? null, doc: docJson(h), heads: h.heads() })
  },

  async change(step) {
    const h = handleOf(step)
    const path = requirePath(step)
    const last = path[path.length - 1]
    h.change(d => {
      const parent = parentFor(d, path)
      if (step.delete) {
        if (Array.isArray(parent)) parent.splice(last, 1)
        else delete parent[last]
      } else {
        parent[last] = step.value
      }
    })
    emit({ changed: step.doc, heads: h.heads() })
  },

  async splice(step) {
    const h = handleOf(step)
    const path = requirePath(step)
    h.change(d => {
      const cur = getPath(d, path)
      if (cur === undefined || cur === null) parentFor(d, path)[path[path.length - 1]] = ""
      else if (typeof cur !== "string") throw new StepError(`value at ${JSON.stringify(path)} is not a string`)
      A.splice(d, path, step.index ?? 0, step.delete ?? 0, step.insert ?? "")
    })
    emit({ spliced: step.doc, value: plain(getPath(h.doc(), path)), heads: h.heads() })
  },

  async waitFor(step) {
    const h = handleOf(step)
    const path = step.path ?? []
    const ms = step.timeoutMs ?? 10000
    const current = () => plain(getPath(h.doc(), path))
    if (!deepEqual(current(), step.equals)) {
      await new Promise((resolve, reject) => {
        const check = () => {
          if (deepEqual(current(), step.equals)) {
            cleanup()
            resolve()
          }
        }
        const t = setTimeout(() => {
          cleanup()
          reject(new StepError(`waitFor timed out after ${ms} ms`, { doc: step.doc, path, saw: current() ?? null }))
        }, ms)
        const cleanup = () => {
          clearTimeout(t)
          h.off("change", check)
        }
        h.on("change", check)
      })
    }
    emit({ saw: current() ?? null, doc: step.doc, path })
  },

  async heads(step) {
    const h = handleOf(step)
    emit({ heads: h.heads(), hex: hexHeads(h), doc: step.doc })
  },

  async print(step) {
    const h = handleOf(step)
    emit({ print: step.doc, doc: docJson(h) })
  },

  async broadcast(step) {
    const h = handleOf(step)
    h.broadcast(step.message)
    emit({ broadcast: step.message ?? null, doc: step.doc })
  },

  async waitEphemeral(step) {
    const h = handleOf(step)
    const id = h.documentId
    const ms = step.timeoutMs ?? 10000
    const queue = ephemeralQueues.get(id)
    const take = () => {
      const i = queue.findIndex(m => !("equals" in step) || deepEqual(m.message, step.equals))
      return i < 0 ? null : queue.splice(i, 1)[0]
    }
    let got = take()
    if (!got) {
      got = await new Promise((resolve, reject) => {
        const waiters = ephemeralWaiters.get(id)
        const f = () => {
          const m = take()
          if (m) {
            cleanup()
            resolve(m)
          }
        }
        const t = setTimeout(() => {
          cleanup()
          reject(new StepError(`waitEphemeral timed out after ${ms} ms`, { doc: step.doc, queued: queue.map(m => m.message) }))
        }, ms)
        const cleanup = () => {
          clearTimeout(t)
          const i = waiters.indexOf(f)
          if (i >= 0) waiters.splice(i, 1)
        }
        waiters.push(f)
      })
    }
    emit({ ephemeral: got.message ?? null, senderId: got.senderId, doc: step.doc })
  },

  async sleep(step) {
    await new Promise(r => setTimeout(r, step.ms ?? 0))
  },

  // Wait until every named doc (or just `doc`) is acknowledged by a connected
  // peer: the peer's last-reported heads (automerge sync state) cover ours.
  async flush(step) {
    const ms = step.timeoutMs ?? 5000
    const names = step.doc !== undefined ? [step.doc] : [...handles.keys()]
    const acked = name => {
      const h = handles.get(name)
      if (!h) throw new StepError(`unknown doc name ${JSON.stringify(name)}`)
      const ours = hexHeads(h)
      const peers = syncStates.get(h.documentId)
      if (!peers || !connectedTo) return false
      const st = peers.get(connectedTo)
      if (!st) return false
      const theirs = new Set([...(st.theirHeads ?? []), ...(st.sharedHeads ?? [])])
      return ours.every(x => theirs.has(x))
    }
    const deadline = performance.now() + ms
    let pending = names.filter(n => !acked(n))
    while (pending.length && performance.now() < deadline) {
      await new Promise(r => setTimeout(r, 10))
      pending = pending.filter(n => !acked(n))
    }
    if (storage) await repo.flush()
    const sock = adapter.socket
    if (sock) {
      while (sock.bufferedAmount > 0 && performance.now() < deadline)
        await new Promise(r => setTimeout(r, 5))
    }
    if (pending.length && !step.allowPending)
      throw new StepError(`flush timed out after ${ms} ms`, { pending })
    emit({ flushed: pending.length === 0, pending })
  },
}

// ---- run --------------------------------------------------------------------

async function main() {
  if (script.waitConnected !== false) {
    const ms = script.connectTimeoutMs ?? 5000
    if (!(await waitConnected(ms)))
      throw new StepError(`not connected after ${ms} ms${socketProblem() ? `: ${socketProblem()}` : ""}`)
  }
  for (const [i, step] of (script.steps ?? []).entries()) {
    const fn = step && Object.hasOwn(ops, step.op) ? ops[step.op] : undefined
    if (!fn) die(2, `step ${i}: unknown op ${JSON.stringify(step?.op)}`)
    try {
      await fn(step)
    } catch (e) {
      if (e instanceof StepError) throw new StepError(`step ${i} (${step.op}): ${e.message}`, e.extra)
      throw new StepError(`step ${i} (${step.op}): ${e?.message ?? e}`)
    }
  }
  await withTimeout(repo.shutdown(), 3000, () => new StepError("repo.shutdown timed out"))
  emit({ done: true })
  process.exit(0)
}

main().catch(e => die(1, e?.message ?? e, e?.extra ?? {}))
