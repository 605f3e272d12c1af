#!/usr/bin/env bash
# Self-test of the JS harness against the reference JS server (js-server.mjs):
# create/change/find, unavailable, import under a chosen id, ephemeral both
# ways between two concurrent clients, and the failure paths of client.mjs.
# Exits non-zero on the first failure; always kills the server it started.
# Needs: node >= 20 and `npm ci` done in this directory (it runs it if
# node_modules is missing).
set -euo pipefail
cd "$(dirname "$0")"

[ -d node_modules/@automerge/automerge-repo ] || npm ci --no-audit --no-fund >/dev/null

WORK=$(mktemp -d)
SERVER_PID=""
BG_PID=""
cleanup() {
  [ -n "$BG_PID" ] && kill "$BG_PID" 2>/dev/null || true
  if [ -n "$SERVER_PID" ]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() { echo "SELFTEST FAIL: $*" >&2; exit 1; }
pass=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }

# jfield FILE KEY [WHERE]: value of KEY on the first line of FILE that has KEY
# (and the key WHERE, if given). Strings print raw; other values as canonical
# JSON (sorted keys).
jfield() {
  node -e '
    const [file, key, where] = process.argv.slice(1)
    const canon = v => Array.isArray(v) ? "[" + v.map(canon).join(",") + "]"
      : v && typeof v === "object" ? "{" + Object.keys(v).sort().map(k => JSON.stringify(k) + ":" + canon(v[k])).join(",") + "}"
      : JSON.stringify(v)
    for (const l of require("fs").readFileSync(file, "utf8").split("\n")) {
      if (!l.trim()) continue
      const o = JSON.parse(l)
      if (key in o && (!where || where in o)) {
        const v = o[key]; console.log(typeof v === "string" ? v : canon(v)); process.exit(0)
      }
    }
    process.exit(1)' "$@"
}
# canon JSON: canonical form (sorted keys) of a JSON text.
canon() { printf '%s' "$1" | node -e '
  const canon = v => Array.isArray(v) ? "[" + v.map(canon).join(",") + "]"
    : v && typeof v === "object" ? "{" + Object.keys(v).sort().map(k => JSON.stringify(k) + ":" + canon(v[k])).join(",") + "}"
    : JSON.stringify(v)
  const t = require("fs").readFileSync(0, "utf8")
  let v; try { v = JSON.parse(t) } catch { v = t }
  console.log(typeof v === "string" ? v : canon(v))'; }
# expect FILE KEY VALUE [WHERE]: VALUE is JSON text or a plain string.
expect() {
  local got want
  got=$(jfield "$1" "$2" ${4:-}) || fail "$1: no line with \"$2\": $(cat "$1")"
  want=$(canon "$3")
  [ "$got" = "$want" ] || fail "$1: $2 = $got, expected $want"
}

# --- server ----------------------------------------------------------------
PORT=0 DATA_DIR="$WORK/data" node js-server.mjs >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
for _ in $(seq 100); do
  grep -q listening "$WORK/server.out" 2>/dev/null && break
  sleep 0.1
done
PORT=$(jfield "$WORK/server.out" listening) || fail "server did not start: $(cat "$WORK/server.err")"
BASE="ws://127.0.0.1:$PORT/"
ok "js-server listening on $PORT"

run() { # run OUTFILE SCRIPT -> exit code in $rc
  set +e
  node client.mjs "$2" >"$1" 2>"$1.err"
  rc=$?
  set -e
}

# --- 1: create + change + flush (with a token, which the JS server ignores) --
run "$WORK/a.out" '{"url":"'"$BASE"'?token=t-alice","peerId":"selftest-alice","steps":[
  {"op":"create","content":{"title":"hello","text":"","n":1},"as":"d"},
  {"op":"change","doc":"d","path":["nested","k"],"value":[1,"two",{"three":3}]},
  {"op":"splice","doc":"d","path":["text"],"index":0,"delete":0,"insert":"hi here"},
  {"op":"splice","doc":"d","path":["text"],"index":3,"delete":0,"insert":"t"},
  {"op":"heads","doc":"d"},
  {"op":"flush"},
  {"op":"print","doc":"d"}]}'
[ "$rc" = 0 ] || fail "client A rc=$rc: $(cat "$WORK/a.out" "$WORK/a.out.err")"
expect "$WORK/a.out" connected "storage-server-$(hostname)"
expect "$WORK/a.out" peerId selftest-alice
expect "$WORK/a.out" flushed true
expect "$WORK/a.out" doc '{"title":"hello","text":"hi there","n":1,"nested":{"k":[1,"two",{"three":3}]}}' print
URL=$(jfield "$WORK/a.out" created)
DOCID=${URL#automerge:}
HEADS=$(jfield "$WORK/a.out" heads hex)
ok "client A created $URL and flushed"
ls "$WORK/data/${DOCID:0:2}/${DOCID:2}" >/dev/null 2>&1 || fail "server did not store $DOCID: $(find "$WORK/data" | head)"
ok "server stored the doc on disk"

# --- 2: another process finds it by URL ------------------------------------
run "$WORK/b.out" '{"url":"'"$BASE"'","peerId":"selftest-bob","steps":[
  {"op":"find","url":"'"$URL"'","as":"d"},
  {"op":"waitFor","doc":"d","path":["text"],"equals":"hi there","timeoutMs":5000},
  {"op":"waitFor","doc":"d","path":["nested"],"equals":{"k":[1,"two",{"three":3}]},"timeoutMs":5000},
  {"op":"heads","doc":"d"}]}'
[ "$rc" = 0 ] || fail "client B rc=$rc: $(cat "$WORK/b.out" "$WORK/b.out.err")"
expect "$WORK/b.out" found "$URL"
expect "$WORK/b.out" saw "hi there"
expect "$WORK/b.out" heads "$HEADS" hex
ok "client B found the doc, saw the text, same heads"

# --- 3: unknown doc is reported unavailable, not a failure ------------------
NEWID=$(node -e 'import("@automerge/automerge-repo").then(m => console.log(m.parseAutomergeUrl(m.generateAutomergeUrl()).documentId))')
run "$WORK/u.out" '{"url":"'"$BASE"'","steps":[{"op":"find","url":"automerge:'"$NEWID"'","as":"x"}]}'
[ "$rc" = 0 ] || fail "unavailable rc=$rc: $(cat "$WORK/u.out")"
expect "$WORK/u.out" unavailable "automerge:$NEWID"
ok "unknown doc -> unavailable"

# --- 4: import under a chosen document id ------------------------------------
IMPID=$(node -e 'import("@automerge/automerge-repo").then(m => console.log(m.parseAutomergeUrl(m.generateAutomergeUrl()).documentId))')
run "$WORK/i.out" '{"url":"'"$BASE"'","steps":[
  {"op":"import","docId":"'"$IMPID"'","content":{"x":"imported"},"as":"i"},
  {"op":"change","doc":"i","path":["y"],"value":2},
  {"op":"flush"}]}'
[ "$rc" = 0 ] || fail "import rc=$rc: $(cat "$WORK/i.out" "$WORK/i.out.err")"
expect "$WORK/i.out" imported "automerge:$IMPID"
run "$WORK/i2.out" '{"url":"'"$BASE"'","steps":[{"op":"find","url":"automerge:'"$IMPID"'","as":"i"}]}'
[ "$rc" = 0 ] || fail "find imported rc=$rc: $(cat "$WORK/i2.out")"
expect "$WORK/i2.out" doc '{"x":"imported","y":2}' found
ok "import with docId, found by another process"

# --- 5: ephemeral both ways, two concurrent clients ---------------------------
node client.mjs '{"url":"'"$BASE"'","peerId":"eph-alice","steps":[
  {"op":"find","url":"'"$URL"'","as":"d"},
  {"op":"waitEphemeral","doc":"d","equals":{"from":"bob"},"timeoutMs":10000},
  {"op":"broadcast","doc":"d","message":{"from":"alice","n":[1,2]}},
  {"op":"sleep","ms":300}]}' >"$WORK/ea.out" 2>"$WORK/ea.err" &
BG_PID=$!
for _ in $(seq 100); do grep -q '"found"' "$WORK/ea.out" 2>/dev/null && break; sleep 0.1; done
grep -q '"found"' "$WORK/ea.out" || fail "ephemeral alice did not find the doc: $(cat "$WORK/ea.out")"
run "$WORK/eb.out" '{"url":"'"$BASE"'","peerId":"eph-bob","steps":[
  {"op":"find","url":"'"$URL"'","as":"d"},
  {"op":"broadcast","doc":"d","message":{"from":"bob"}},
  {"op":"waitEphemeral","doc":"d","timeoutMs":10000}]}'
set +e; wait "$BG_PID"; arc=$?; set -e; BG_PID=""
[ "$rc" = 0 ] || fail "ephemeral bob rc=$rc: $(cat "$WORK/eb.out" "$WORK/eb.out.err")"
[ "$arc" = 0 ] || fail "ephemeral alice rc=$arc: $(cat "$WORK/ea.out" "$WORK/ea.err")"
expect "$WORK/ea.out" ephemeral '{"from":"bob"}'
expect "$WORK/eb.out" ephemeral '{"from":"alice","n":[1,2]}'
ok "ephemeral alice<->bob"

# --- 6: failure paths ----------------------------------------------------------
run "$WORK/f.out" '{"url":"'"$BASE"'","steps":[
  {"op":"find","url":"'"$URL"'","as":"d"},
  {"op":"waitFor","doc":"d","path":["title"],"equals":"never","timeoutMs":300}]}'
[ "$rc" = 1 ] || fail "waitFor timeout should exit 1, got $rc"
expect "$WORK/f.out" saw "hello"
jfield "$WORK/f.out" error >/dev/null || fail "no error line"
ok "waitFor timeout -> exit 1 with the value seen"

run "$WORK/g.out" '{"url":"'"$BASE"'","timeoutMs":500,"steps":[{"op":"sleep","ms":5000}]}'
[ "$rc" = 3 ] || fail "global timeout should exit 3, got $rc"
ok "global timeout -> exit 3"

# A free port with nothing listening.
DEAD=$(node -e 's=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
run "$WORK/c.out" '{"url":"ws://127.0.0.1:'"$DEAD"'/","connectTimeoutMs":700,"steps":[]}'
[ "$rc" = 1 ] || fail "no server should exit 1, got $rc"
jfield "$WORK/c.out" error | grep -q "not connected" || fail "unexpected error: $(cat "$WORK/c.out")"
ok "no server -> not connected, exit 1"

run "$WORK/s.out" '{"url":"'"$BASE"'","steps":[{"op":"bogus"}]}'
[ "$rc" = 2 ] || fail "bad op should exit 2, got $rc"
ok "bad op -> exit 2"

# --- 7: the join frame on the wire carries exactly the scripted peerId ---------
node -e '
  const { WebSocketServer } = require("ws")
  import("@automerge/automerge-repo").then(({ cbor }) => {
    const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 }, () => console.log(wss.address().port))
    wss.on("connection", (ws, req) => ws.on("message", d => {
      const m = cbor.decode(new Uint8Array(d))
      require("fs").writeFileSync(process.argv[1], JSON.stringify({ join: m.type, senderId: m.senderId, path: req.url }) + "\n")
      process.exit(0)
    }))
    setTimeout(() => process.exit(1), 10000)
  })' "$WORK/join.out" >"$WORK/raw.port" &
BG_PID=$!
for _ in $(seq 50); do [ -s "$WORK/raw.port" ] && break; sleep 0.1; done
run "$WORK/j.out" '{"url":"ws://127.0.0.1:'"$(cat "$WORK/raw.port")"'/?token=tok%201","peerId":"pinned-peer-7","connectTimeoutMs":500,"steps":[]}'
set +e; wait "$BG_PID"; set -e; BG_PID=""
expect "$WORK/join.out" join join
expect "$WORK/join.out" senderId pinned-peer-7
expect "$WORK/join.out" path "/?token=tok%201"
ok "join frame senderId is the scripted peerId, token query kept"

echo "$pass passed, 0 failed"
