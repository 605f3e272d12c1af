// Bundle the browser test page (index.html + main.js) with esbuild.
//
//   node tests/js/browser/build.mjs OUTDIR     prints {"built": OUTDIR, "ms": N, "bytes": N}
//
// Also imported by run.mjs. Plain `--platform=browser` with the slim entry
// points of automerge and automerge-repo: esbuild has no loader for the
// `.wasm` import of automerge's default browser entry, so main.js
// initialises the wasm from its base64 copy instead.

import fs from "node:fs"
import path from "node:path"
import { fileURLToPath } from "node:url"
import * as esbuild from "esbuild"

const here = path.dirname(fileURLToPath(import.meta.url))

export async function build(outDir) {
  const started = performance.now()
  fs.mkdirSync(outDir, { recursive: true })
  await esbuild.build({
    entryPoints: [path.join(here, "main.js")],
    outfile: path.join(outDir, "main.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    logLevel: "warning",
  })
  fs.copyFileSync(path.join(here, "index.html"), path.join(outDir, "index.html"))
  const bytes = fs.statSync(path.join(outDir, "main.js")).size
  return { built: outDir, ms: Math.round(performance.now() - started), bytes }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = process.argv[2]
  if (!outDir) {
    console.log(JSON.stringify({ error: "usage: node build.mjs OUTDIR" }))
    process.exit(2)
  }
  try {
    console.log(JSON.stringify(await build(path.resolve(outDir))))
  } catch (e) {
    console.log(JSON.stringify({ error: `esbuild: ${e?.message ?? e}`.split("\n")[0] }))
    process.exit(1)
  }
}
