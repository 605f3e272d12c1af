// Benchmark W5 driver: one typist, K subscribers, N idle connections, against
// any automerge-repo WebSocket server (js-server.mjs or the Nous relay).
//
//   node load.mjs '{"url":"ws://127.0.0.1:PORT/","subscribers":10,"idle":1000,"rate":10,"edits":200}'
//   node load.mjs @options.json
//
// Options (JSON in argv[2], or in the file argv[2] names after an `@`):
//   url          base ws:// URL of the server
//   tokens       optional list of {token, peerId}; one per connection, in the
//                order typist, subscribers, idle. When absent: random peer ids
//                and no token. Each token is set as the `token` query parameter.
//   subscribers  K (default 1)
//   idle         idle connections (default 0): connect, handshake, do nothing
//   idleMode     "raw" (default): a bare `ws` socket that sends a valid
//                automerge-repo `join` CBOR frame, waits for `peer`, and stays
//                open answering pings — what an idle stock client looks like
//                on the wire; "repo": a full Repo + WebSocketClientAdapter each.
//   rate         edits per second (default 10)
//   edits        number of edits (default 200)
//   arrival      "poisson" (default): exponential gaps with mean 1/rate from a
//                seeded PRNG (`seed`, default 1), so every server sees the same
//                schedule; "fixed": exactly 1/rate apart. A perfectly periodic
//                typist at 10/s phase-locks with automerge-repo's 100 ms
//                trailing sync throttle (lastCall is stamped after each send,
//                so the wait creeps up edit after edit) and measures that
//                artefact more than the server; see README.md.
//   pushNow      default true: after each edit the typist asks its DocSynchronizer
//                to sync with the server at once (docSynchronizer.beginSync,
//                a hidden 2.5.x API) instead of waiting for the stock 100 ms
//                trailing sync throttle; false = stock client behaviour.
//   settleMs     how long to wait after the last edit for stragglers (default 5000)
//   connectConcurrency  connections opened at once while setting up (default 50)
//   debug        true: per-edit latencies on stderr
//   timeoutMs    hard stop (default: 60 s + edits/rate + 20 ms per idle
//                connection; in hold mode 60 s + 50 ms per client)
//   docId        the typist imports its document under this automerge-repo
//                id (bs58check of 16 bytes) with repo.import(binary, {docId})
//                instead of repo.create(); a relay that only serves known
//                documents needs it. Same content either way.
//   control      true: print {"phase":"ready"} once everything is connected
//                and read one line from stdin before typing, then print
//                {"phase":"settled"} after the settle wait and read one more
//                line before printing the results and tearing down (lets a
//                harness sample the server's CPU exactly around the typing).
//   seedFile     the typist's document before the first edit (an Automerge
//                file with `text` and `seq`), instead of an empty one
//   prior        characters that text already holds (default 0): the typist
//                types after them, subscribers count edits past them
//   mode         "fanout" (default): the W5 run above; "hold": see below.
//
// Hold mode (the memory benchmark): {"mode":"hold","url",...}
//   docIds       documents (bs58check ids), required
//   seedDocs     true: first import every doc of docIds (content below) and
//                wait until the server acknowledged each; uses one identity
//   clients      stock Repos to open (default 0); client i finds
//                docIds[(offset + i) % docIds.length] and keeps it open
//   offset       see clients (default 0)
//   docChars     characters of text per seeded doc (default 2000), typed in
//   docChanges   changes (default 20)
//   tokens       as above, in the order seeder (if seedDocs), clients
//   control      true: print {"phase":"holding",...} once every client has
//                its doc, then read one line from stdin before tearing down;
//                false: hold for holdMs (default 0)
//   deadlineMs   stop opening clients after this long (default: no limit);
//                clients that could not connect or find their doc count as
//                `failed`, those never opened as `skipped`
//
// Both modes: connectTimeoutMs (default 10000) per Repo to get the server's
// `peer` reply; retryIntervalMs (default 5000, the stock adapter's) between
// the adapter's reconnection attempts — with single-use relay tokens a retry
// is refused, so give more than connectTimeoutMs.
//
// Output: one JSON line
//   {"k","idle","edits","p50_ms","p99_ms","max_ms","lost", ...extra fields}
// (hold mode: {"mode":"hold","clients","found","seeded",...}).
// On failure: {"error": "..."} and a non-zero exit. Always exits by itself.
//
// Method: the typist appends one character per edit to the `text` field
// (and sets `seq` to the edit number) at `rate`; send time is
// performance.now() just before handle.change(). Each subscriber listens to
// its handle's "change" events and, for every edit index below the text's
// new length, records the first time it saw it. Latency = seen - sent, over all
// (subscriber, edit) pairs; `lost` counts pairs never seen by the end.
//
// HONESTY NOTE: everything (typist, K subscriber Repos, idle sockets) runs in
// this one Node process so that the clocks agree. The latencies therefore
// include the Node clients' own work: the typist Repo's sync-message
// generation (its own 100 ms trailing sync throttle, DocSynchronizer.
// syncDebounceRate, is bypassed by `pushNow`), CBOR, wasm and sync-message
// decoding in K subscriber Repos sharing one event loop, and ping/pong of the
// idle sockets. The JS server has the same 100 ms throttle on its forwarding,
// which is most of its measured latency at 10 edits/s. The client costs are
// the same whichever server is measured, but they are not server latency
// alone, and they grow with K.

import fs from "node:fs"
import readline from "node:readline"
import { randomBytes } from "node:crypto"
import { performance } from "node:perf_hooks"
import WebSocket from "ws"
import * as A from "@automerge/automerge"
import { Repo, cbor } from "@automerge/automerge-repo"
import { WebSocketClientAdapter } from "@automerge/automerge-repo-network-websocket"

const out = obj => fs.writeSync(1, JSON.stringify(obj) + "\n")
const die = (code, msg) => {
  out({ error: String(msg) })
  process.exit(code)
}
process.on("uncaughtException", e => die(1, `uncaught: ${e?.message ?? e}`))
process.on("unhandledRejection", e => die(1, `unhandled rejection: ${e?.message ?? e}`))

let opts
try {
  // `@path`: the options are in that file (a list of 1,000 tokens is more
  // than one command-line argument may hold).
  const arg = process.argv[2] ?? "{}"
  opts = JSON.parse(arg.startsWith("@") ? fs.readFileSync(arg.slice(1), "utf8") : arg)
} catch (e) {
  die(2, `bad options JSON: ${e.message}`)
}
if (typeof opts.url !== "string") die(2, "`url` is required")
const MODE = opts.mode ?? "fanout"
if (!["fanout", "hold"].includes(MODE)) die(2, "mode must be fanout or hold")
const CONTROL = opts.control ?? false
const K = opts.subscribers ?? 1
const IDLE = opts.idle ?? 0
const IDLE_MODE = opts.idleMode ?? "raw"
const RATE = opts.rate ?? 10
const EDITS = opts.edits ?? 200
const PRIOR = opts.prior ?? 0
const PUSH_NOW = opts.pushNow ?? true
const ARRIVAL = opts.arrival ?? "poisson"
const SEED = opts.seed ?? 1
if (!["poisson", "fixed"].includes(ARRIVAL)) die(2, "arrival must be poisson or fixed")
const SETTLE_MS = opts.settleMs ?? 5000
const CONC = opts.connectConcurrency ?? 50
const CLIENTS = opts.clients ?? 0
const SEED_DOCS = opts.seedDocs ?? false
const DOC_IDS = opts.docIds ?? []
const TIMEOUT_MS =
  opts.timeoutMs ??
  (MODE === "hold" ? 60000 + CLIENTS * 50 + DOC_IDS.length * 20 : 60000 + (EDITS / RATE) * 1000 + IDLE * 20)
if (!["raw", "repo"].includes(IDLE_MODE)) die(2, "idleMode must be raw or repo")
if (MODE === "hold" && (!Array.isArray(DOC_IDS) || !DOC_IDS.length)) die(2, "hold mode needs `docIds`")
// Under `control` the harness may hold us for a while: the timer restarts at
// each phase.
let hardStop = setTimeout(() => die(3, `timeout after ${TIMEOUT_MS} ms`), TIMEOUT_MS)
const rearm = () => {
  clearTimeout(hardStop)
  hardStop = setTimeout(() => die(3, `timeout after ${TIMEOUT_MS} ms`), TIMEOUT_MS)
}

// ---- identities ---------------------------------------------------------------

const needed = MODE === "hold" ? (SEED_DOCS ? 1 : 0) + CLIENTS : 1 + K + IDLE
if (opts.tokens && opts.tokens.length < needed)
  die(
    2,
    MODE === "hold"
      ? `tokens: need ${needed} (${SEED_DOCS ? "1 seeder + " : ""}${CLIENTS} clients), got ${opts.tokens.length}`
      : `tokens: need ${needed} (1 typist + ${K} subscribers + ${IDLE} idle), got ${opts.tokens.length}`,
  )
let nextIdentity = 0
function identity(role) {
  const i = nextIdentity++
  if (opts.tokens) {
    const { token, peerId } = opts.tokens[i]
    const u = new URL(opts.url)
    u.searchParams.set("token", token)
    return { url: u.toString(), peerId }
  }
  return { url: opts.url, peerId: `load-${role}-${i}-${randomBytes(4).toString("hex")}` }
}

// ---- helpers ------------------------------------------------------------------

const sleep = ms => new Promise(r => setTimeout(r, ms))

// `control`: one line of stdin per phase.
let stdinLines = null
function nextLine() {
  if (!stdinLines) stdinLines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]()
  return stdinLines.next()
}
async function phase(obj) {
  if (!CONTROL) return
  out(obj)
  await nextLine()
  rearm()
}

async function inBatches(n, size, fn) {
  const results = []
  for (let i = 0; i < n; i += size) {
    const batch = []
    for (let j = i; j < Math.min(n, i + size); j++) batch.push(fn(j))
    results.push(...(await Promise.all(batch)))
  }
  return results
}

// A stock Repo over one WebSocket. The adapter opens a new socket every
// `retryIntervalMs` until the server's `peer` reply arrives; a relay token
// opens one connection only, so against a slow relay a retry is refused
// (401) — give a long `retryIntervalMs` when using tokens.
const CONNECT_TIMEOUT_MS = opts.connectTimeoutMs ?? 10000
const RETRY_INTERVAL_MS = opts.retryIntervalMs ?? 5000
function makeRepo({ url, peerId }) {
  const repo = new Repo({ peerId, network: [new WebSocketClientAdapter(url, RETRY_INTERVAL_MS)] })
  const connected = new Promise((resolve, reject) => {
    const t = setTimeout(
      () => reject(new Error(`${peerId}: not connected after ${CONNECT_TIMEOUT_MS / 1000} s`)),
      CONNECT_TIMEOUT_MS,
    )
    repo.networkSubsystem.once("peer", () => {
      clearTimeout(t)
      resolve()
    })
  })
  return { repo, connected }
}

function rawIdle({ url, peerId }) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    ws.binaryType = "arraybuffer"
    const t = setTimeout(() => {
      ws.terminate()
      reject(new Error(`${peerId}: no peer reply after 10 s`))
    }, 10000)
    ws.on("open", () => {
      ws.send(
        cbor.encode({
          type: "join",
          senderId: peerId,
          peerMetadata: { isEphemeral: true },
          supportedProtocolVersions: ["1"],
        }),
      )
    })
    ws.on("message", data => {
      const m = cbor.decode(new Uint8Array(data))
      if (m.type === "peer") {
        clearTimeout(t)
        resolve(ws)
      } else if (m.type === "error") {
        clearTimeout(t)
        reject(new Error(`${peerId}: server error ${m.message}`))
      }
    })
    ws.on("error", e => {
      clearTimeout(t)
      reject(new Error(`${peerId}: ${e.message}`))
    })
  })
}

// Resolves once the server has acknowledged our heads for the doc.
function serverAcked(repo, handle, timeoutMs = 10000) {
  return new Promise((resolve, reject) => {
    const ours = () => A.getHeads(handle.doc())
    const t = setTimeout(() => {
      repo.synchronizer.off("sync-state", f)
      reject(new Error("typist doc not acknowledged by the server"))
    }, timeoutMs)
    const f = ({ documentId, syncState }) => {
      if (documentId !== handle.documentId) return
      const theirs = new Set([...(syncState.theirHeads ?? []), ...(syncState.sharedHeads ?? [])])
      if (ours().every(h => theirs.has(h))) {
        clearTimeout(t)
        repo.synchronizer.off("sync-state", f)
        resolve()
      }
    }
    repo.synchronizer.on("sync-state", f)
  })
}

function mulberry32(a) {
  return () => {
    a |= 0
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function percentile(sorted, p) {
  if (!sorted.length) return null
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)
  return sorted[Math.max(0, i)]
}
const r2 = x => (x === null ? null : Math.round(x * 100) / 100)

// ---- run ------------------------------------------------------------------------

async function main() {
  const tSetup = performance.now()

  // Typist first (so its identity is tokens[0]), then subscribers, then idle.
  const typistId = identity("typist")
  const subIds = Array.from({ length: K }, () => identity("sub"))
  const idleIds = Array.from({ length: IDLE }, () => identity("idle"))

  // Idle connections.
  const idleClose = []
  const tIdle = performance.now()
  await inBatches(IDLE, CONC, async i => {
    if (IDLE_MODE === "raw") {
      const ws = await rawIdle(idleIds[i])
      idleClose.push(() => ws.terminate())
    } else {
      const { repo, connected } = makeRepo(idleIds[i])
      await connected
      idleClose.push(() => repo.shutdown())
    }
  })
  const idleSetupMs = performance.now() - tIdle

  // Typist creates the doc and waits until the server has it.
  const typist = makeRepo(typistId)
  await typist.connected
  const initial = { text: "", seq: -1 }
  const seedBytes = opts.seedFile ? new Uint8Array(fs.readFileSync(opts.seedFile)) : null
  const handle = opts.docId
    ? typist.repo.import(seedBytes ?? A.save(A.from(initial)), { docId: opts.docId })
    : seedBytes
      ? typist.repo.import(seedBytes)
      : typist.repo.create(initial)
  await serverAcked(typist.repo, handle)

  const serverPeer = typist.repo.peers[0]
  const pushNow = () => {
    const ds = typist.repo.synchronizer.docSynchronizers[handle.documentId]
    if (!ds?.beginSync) throw new Error("pushNow: no DocSynchronizer.beginSync in this automerge-repo version")
    void ds.beginSync([serverPeer])
  }

  // Subscribers find it.
  const seen = Array.from({ length: K }, () => new Float64Array(EDITS).fill(NaN))
  const seenCount = new Array(K).fill(0)
  const subs = await inBatches(K, CONC, async s => {
    const { repo, connected } = makeRepo(subIds[s])
    await connected
    const h = await repo.find(handle.url)
    h.on("change", ({ doc }) => {
      const now = performance.now()
      const n = Math.min(doc.text.length - PRIOR, EDITS)
      while (seenCount[s] < n) seen[s][seenCount[s]++] = now
    })
    return repo
  })
  const setupMs = performance.now() - tSetup
  const rssAfterSetup = process.memoryUsage().rss
  await phase({ phase: "ready" })

  // Type. Due times are absolute offsets from t0 (no drift).
  const sent = new Float64Array(EDITS)
  const rand = mulberry32(SEED)
  const offsets = new Float64Array(EDITS)
  for (let i = 1; i < EDITS; i++)
    offsets[i] = offsets[i - 1] + (ARRIVAL === "fixed" ? 1000 / RATE : (-Math.log(1 - rand()) * 1000) / RATE)
  const elu0 = performance.eventLoopUtilization()
  const t0 = performance.now()
  for (let i = 0; i < EDITS; i++) {
    const due = t0 + offsets[i]
    const wait = due - performance.now()
    if (wait > 0) await sleep(wait)
    sent[i] = performance.now()
    handle.change(d => {
      A.splice(d, ["text"], PRIOR + i, 0, String.fromCharCode(97 + (i % 26)))
      d.seq = i
    })
    if (PUSH_NOW) pushNow()
  }
  const typingMs = performance.now() - t0

  // Settle: until everyone saw everything, or settleMs.
  const settleDeadline = performance.now() + SETTLE_MS
  while (seenCount.some(c => c < EDITS) && performance.now() < settleDeadline) await sleep(10)
  const elu = performance.eventLoopUtilization(elu0)
  await phase({ phase: "settled" })

  // Results.
  const lat = []
  let lost = 0
  for (let s = 0; s < K; s++)
    for (let i = 0; i < EDITS; i++) {
      const t = seen[s][i]
      if (Number.isNaN(t)) lost++
      else lat.push(t - sent[i])
    }
  if (opts.debug)
    for (let i = 0; i < EDITS; i++)
      process.stderr.write(`edit ${i} sent ${(sent[i] - t0).toFixed(1)} seen ${seen.map(x => (x[i] - sent[i]).toFixed(1)).join(" ")}\n`)
  lat.sort((a, b) => a - b)
  // Per edit: when the first and the last subscriber saw it. The first is
  // the server's delivery plus one client's decoding; the spread after it
  // is the subscribers queueing on this one event loop.
  const first = []
  const last = []
  for (let i = 0; i < EDITS; i++) {
    let lo = Infinity
    let hi = -Infinity
    for (let s = 0; s < K; s++) {
      const t = seen[s][i]
      if (Number.isNaN(t)) continue
      lo = Math.min(lo, t - sent[i])
      hi = Math.max(hi, t - sent[i])
    }
    if (lo !== Infinity) {
      first.push(lo)
      last.push(hi)
    }
  }
  first.sort((a, b) => a - b)
  last.sort((a, b) => a - b)

  out({
    k: K,
    idle: IDLE,
    edits: EDITS,
    p50_ms: r2(percentile(lat, 50)),
    p99_ms: r2(percentile(lat, 99)),
    max_ms: r2(lat.length ? lat[lat.length - 1] : null),
    lost,
    rate: RATE,
    idle_mode: IDLE_MODE,
    push_now: PUSH_NOW,
    arrival: ARRIVAL,
    samples: lat.length,
    achieved_rate: r2(EDITS / (typingMs / 1000)),
    setup_ms: Math.round(setupMs),
    idle_setup_ms: Math.round(idleSetupMs),
    rss_mb: Math.round(rssAfterSetup / 2 ** 20),
    first_p50_ms: r2(percentile(first, 50)),
    first_p99_ms: r2(percentile(first, 99)),
    last_p50_ms: r2(percentile(last, 50)),
    last_p99_ms: r2(percentile(last, 99)),
    event_loop_utilization: r2(elu.utilization),
    doc_id: handle.documentId,
  })

  // Tear down (bounded), then exit.
  await Promise.race([
    Promise.allSettled([typist.repo.shutdown(), ...subs.map(r => r.shutdown()), ...idleClose.map(f => f())]),
    sleep(3000),
  ])
  process.exit(0)
}

// ---- hold mode (memory) ----------------------------------------------------------

const LOREM =
  "Les membres se réunissent une fois par mois pour décider ensemble de ce qui concerne la coopérative. "

async function mainHold() {
  const docChars = opts.docChars ?? 2000
  const docChanges = Math.max(1, opts.docChanges ?? 20)
  const offset = opts.offset ?? 0
  const t0 = performance.now()
  let seeded = 0
  if (SEED_DOCS) {
    const seeder = makeRepo(identity("seeder"))
    await seeder.connected
    const per = Math.ceil(docChars / docChanges)
    await inBatches(DOC_IDS.length, CONC, async d => {
      let doc = A.from({ title: `document ${d}`, text: "" })
      let text = ""
      for (let c = 0; c < docChanges; c++) {
        const add = LOREM.repeat(Math.ceil(per / LOREM.length) + 1).slice((c * 7) % LOREM.length).slice(0, per)
        doc = A.change(doc, x => A.splice(x, ["text"], text.length, 0, add))
        text += add
      }
      const h = seeder.repo.import(A.save(doc), { docId: DOC_IDS[d] })
      await serverAcked(seeder.repo, h, 30000)
      seeded++
    })
    await seeder.repo.flush()
    await Promise.race([seeder.repo.shutdown(), sleep(3000)])
  }
  const seedMs = performance.now() - t0

  const ids = Array.from({ length: CLIENTS }, () => identity("holder"))
  const t1 = performance.now()
  // `deadlineMs`: stop opening clients after this long and report what was
  // reached; a client that cannot connect or find its doc counts as failed.
  const deadline = opts.deadlineMs ? t1 + opts.deadlineMs : Infinity
  let found = 0
  let failed = 0
  let skipped = 0
  const firstErrors = []
  const repos = (
    await inBatches(CLIENTS, CONC, async i => {
      if (performance.now() > deadline) {
        skipped++
        return null
      }
      const { repo, connected } = makeRepo(ids[i])
      let step = "connect"
      let since = performance.now()
      try {
        await connected
        step = "find"
        since = performance.now()
        const id = DOC_IDS[(offset + i) % DOC_IDS.length]
        const h = await repo.find(`automerge:${id}`)
        if (h.doc()?.text !== undefined) found++
      } catch (e) {
        failed++
        const after = Math.round(performance.now() - since)
        if (firstErrors.length < 3) firstErrors.push(`${step} failed after ${after} ms: ${e?.message ?? e}`)
      }
      return repo
    })
  ).filter(Boolean)
  const connectMs = performance.now() - t1
  const rss = process.memoryUsage().rss
  await phase({
    phase: "holding",
    clients: CLIENTS,
    found,
    failed,
    skipped,
    errors: firstErrors,
    connect_ms: Math.round(connectMs),
    rss_mb: Math.round(rss / 2 ** 20),
  })
  if (!CONTROL && opts.holdMs) await sleep(opts.holdMs)
  out({
    mode: "hold",
    clients: CLIENTS,
    found,
    failed,
    skipped,
    seeded,
    docs: DOC_IDS.length,
    seed_ms: Math.round(seedMs),
    connect_ms: Math.round(connectMs),
    rss_mb: Math.round(rss / 2 ** 20),
  })
  await Promise.race([Promise.allSettled(repos.map(r => r.shutdown())), sleep(3000)])
  process.exit(0)
}

;(MODE === "hold" ? mainHold() : main()).catch(e => die(1, e?.message ?? e))
