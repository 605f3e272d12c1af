// Drive the browser test page (main.js) in headless Debian Chromium.
//
//   node tests/js/browser/run.mjs '<options JSON>'     (or @options.json)
//
// Options: url (the relay's WebSocket URL with ?token=), peerId, doc (an
// automerge: URL), value (the page writes it to the root key
// `fromBrowser`); optional: dir (a bundle from build.mjs; default: build
// one into a temporary directory), chromium (default /usr/bin/chromium),
// timeoutMs (global, default 60000), pageTimeoutMs (default 30000).
//
// It serves the bundle on 127.0.0.1 (node:http), launches Chromium through
// playwright-core (never a browser of playwright's own) with a fresh
// profile, opens the page with the options in its query string, and prints
// the page's console lines (JSON objects) on stdout, one per line, plus its
// own: {"built"}, {"serving"}, {"browser"}. Non-JSON console text is printed
// as {"console": type, "text": ...}.
//
// Exit codes: 0 the page printed {"done": true} (the last line); 1 the page
// or the browser failed; 2 bad options; 3 the global timeout. On failure
// the last line is {"error": "..."}. The process always exits by itself.

import fs from "node:fs"
import http from "node:http"
import os from "node:os"
import path from "node:path"
import { chromium } from "playwright-core"
import { build } from "./build.mjs"

function emit(obj) {
  fs.writeSync(1, JSON.stringify(obj) + "\n")
}

// The flags this machine needs (see the environment notes): no sandbox as
// root, no GPU, and no background traffic to hosts the closed network
// refuses.
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
]

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8" }

let opts
try {
  let text = process.argv[2]
  if (text === undefined || text === "-") text = fs.readFileSync(0, "utf8")
  else if (text.startsWith("@")) text = fs.readFileSync(text.slice(1), "utf8")
  opts = JSON.parse(text)
} catch (e) {
  emit({ error: `bad options: ${e?.message ?? e}` })
  process.exit(2)
}
for (const key of ["url", "doc", "value"]) {
  if (typeof opts?.[key] !== "string") {
    emit({ error: `options need a string \`${key}\`` })
    process.exit(2)
  }
}

const timeoutMs = opts.timeoutMs ?? 60_000
const pageTimeoutMs = opts.pageTimeoutMs ?? 30_000
const executablePath = opts.chromium ?? "/usr/bin/chromium"

let tmp = null // our temporary directory (bundle and profile)
let server = null
let context = null
let exiting = false

async function cleanup() {
  const steps = []
  if (context) steps.push(context.close().catch(() => {}))
  if (server) steps.push(new Promise(r => server.close(() => r())))
  server?.closeAllConnections?.()
  await Promise.race([Promise.all(steps), new Promise(r => setTimeout(r, 5000))])
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true })
}

async function finish(code, error) {
  if (exiting) return
  exiting = true
  clearTimeout(globalTimer)
  await cleanup().catch(() => {})
  if (error !== undefined) emit({ error: String(error).split("\n")[0] })
  process.exit(code)
}

const globalTimer = setTimeout(() => finish(3, `global timeout after ${timeoutMs} ms`), timeoutMs)
process.on("uncaughtException", e => finish(1, `uncaught: ${e?.message ?? e}`))
process.on("unhandledRejection", e => finish(1, `unhandled rejection: ${e?.message ?? e}`))
process.on("SIGTERM", () => finish(1, "terminated"))

function serve(dir) {
  return new Promise((resolve, reject) => {
    const s = http.createServer((req, res) => {
      const name = new URL(req.url, "http://x").pathname.replace(/^\/+/, "") || "index.html"
      const file = path.join(dir, name)
      if (path.dirname(file) !== dir || !fs.existsSync(file)) {
        res.writeHead(404).end("not found")
        return
      }
      res.writeHead(200, {
        "content-type": TYPES[path.extname(file)] ?? "application/octet-stream",
        "cache-control": "no-store",
      })
      fs.createReadStream(file).pipe(res)
    })
    s.on("error", reject)
    s.listen(0, "127.0.0.1", () => resolve(s))
  })
}

async function main() {
  if (!fs.existsSync(executablePath)) throw new Error(`no Chromium at ${executablePath}`)
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nous-browser-"))

  let dir = opts.dir
  if (!dir) {
    dir = path.join(tmp, "bundle")
    emit(await build(dir))
  }
  dir = path.resolve(dir)

  server = await serve(dir)
  const origin = `http://127.0.0.1:${server.address().port}`
  emit({ serving: origin })

  const started = performance.now()
  // A persistent context on a fresh, empty profile directory: playwright
  // refuses --user-data-dir in `args`.
  context = await chromium.launchPersistentContext(path.join(tmp, "profile"), {
    executablePath,
    headless: true,
    args: FLAGS,
    timeout: 30_000,
  })
  const browser = context.browser()
  emit({ browser: browser?.version() ?? "chromium", launchMs: Math.round(performance.now() - started) })

  const page = context.pages()[0] ?? (await context.newPage())
  const outcome = new Promise(resolve => {
    page.on("console", msg => {
      const text = msg.text()
      let line
      try {
        line = JSON.parse(text)
      } catch {
        line = null
      }
      if (line === null || typeof line !== "object" || Array.isArray(line)) {
        emit({ console: msg.type(), text })
        return
      }
      // The page's last line: the driver prints its own after cleaning up.
      if (line.done === true) resolve({ code: 0 })
      else if ("error" in line) resolve({ code: 1, error: `page: ${line.error}` })
      else emit(line)
    })
    page.on("pageerror", e => emit({ pageException: e?.message ?? String(e) }))
    page.on("crash", () => resolve({ code: 1, error: "the page crashed" }))
    page.on("close", () => resolve({ code: 1, error: "the page closed" }))
  })

  const query = new URLSearchParams({
    url: opts.url,
    doc: opts.doc,
    value: opts.value,
    timeoutMs: String(pageTimeoutMs),
  })
  if (opts.peerId) query.set("peerId", opts.peerId)
  await page.goto(`${origin}/index.html?${query}`, { waitUntil: "load", timeout: 30_000 })

  const { code, error } = await outcome
  if (code === 0) {
    exiting = true
    clearTimeout(globalTimer)
    await cleanup()
    emit({ done: true })
    process.exit(0)
  }
  await finish(code, error)
}

main().catch(e => finish(1, e?.message ?? e))
