#!/usr/bin/env bash
# Opens a NewsDedup report.html in headless Chromium, saves a full-page screenshot, and fails
# on a blank or broken page.
#
#   scripts/report-browser-test.sh REPORT.html OUT.png [WIDTH]
#
# Checks, each of which fails the test (exit 1):
#   - `chromium --headless --dump-dom`: the page's section headings (Overview, Stories,
#     Duplicate groups, Topics, Topic map) are in the DOM;
#   - through the DevTools protocol (over a pipe, Python standard library only): the page loads,
#     throws no JavaScript error and requests nothing but the file itself (no network, no
#     external scripts or fonts); the largest story and the smallest duplicate group listed are
#     opened, and a full-page screenshot is written to OUT.png;
#   - the screenshot is not blank: enough non-white pixels, and more than a few colours.
# Prints the time from starting the browser to the screenshot written.
#
# Needs Debian's `chromium` and python3. Installs chromium with apt-get when it is missing and
# that is possible (root, or passwordless sudo); otherwise prints "skipped" and exits 0.
# Exit codes: 0 passed or skipped, 1 failed, 2 bad usage.
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: $0 REPORT.html OUT.png [WIDTH]" >&2
  exit 2
fi
report=$1
out=$2
width=${3:-1280}
if [ ! -f "$report" ]; then
  echo "report-browser-test: no such file: $report" >&2
  exit 2
fi

find_chromium() { command -v chromium || command -v chromium-browser || true; }
chromium_bin=$(find_chromium)
if [ -z "$chromium_bin" ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; fi
  fi
  if command -v apt-get >/dev/null 2>&1 && { [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; }; then
    echo "report-browser-test: installing chromium with apt-get ..." >&2
    { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        chromium fonts-liberation; } >/dev/null 2>&1 || true
    chromium_bin=$(find_chromium)
  fi
fi
if [ -z "$chromium_bin" ]; then
  echo "report-browser-test: skipped: chromium is not installed and could not be installed (apt-get install chromium)"
  exit 0
fi
if ! command -v python3 >/dev/null 2>&1; then
  echo "report-browser-test: skipped: python3 is needed to drive the browser"
  exit 0
fi

abs=$(cd "$(dirname "$report")" && pwd)/$(basename "$report")
work=$(mktemp -d)
trap '[ -n "${KEEP_WORK:-}" ] || rm -rf "$work"' EXIT
flags=(--headless --disable-gpu --no-first-run --no-default-browser-check --disable-extensions
       --hide-scrollbars --mute-audio --disable-background-networking --disable-component-update
       --disable-sync --user-data-dir="$work/profile")
if [ "$(id -u)" -eq 0 ]; then flags+=(--no-sandbox); fi

# 1. The DOM after loading: every section heading present.
if ! timeout 120 "$chromium_bin" "${flags[@]}" --dump-dom "file://$abs" >"$work/dom.html" 2>"$work/dump.err"; then
  echo "report-browser-test: FAILED: chromium --dump-dom failed:" >&2
  tail -5 "$work/dump.err" >&2
  exit 1
fi
missing=()
for heading in "Overview" "Stories" "Duplicate groups" "Topics" "Topic map"; do
  grep -q "<h2>$heading" "$work/dom.html" || missing+=("$heading")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "report-browser-test: FAILED: section headings missing from the DOM: ${missing[*]}" >&2
  exit 1
fi
if ! grep -q "</main>" "$work/dom.html"; then
  echo "report-browser-test: FAILED: the DOM has no </main>: the page is cut or broken" >&2
  exit 1
fi

# 2. Load, screenshot and pixel check through the DevTools protocol over a pipe (fds 3 and 4).
CHROMIUM="$chromium_bin" PAGE_URL="file://$abs" OUT_PNG="$out" WIDTH="$width" WORK="$work" \
python3 - "${flags[@]}" <<'PY'
import base64, json, os, struct, subprocess, sys, time, zlib

chromium, url, out_png, width = os.environ["CHROMIUM"], os.environ["PAGE_URL"], os.environ["OUT_PNG"], int(os.environ["WIDTH"])
flags = sys.argv[1:]
MAX_HEIGHT = 16000  # a larger page is scaled down to fit (GPU texture limit)

def fail(msg):
    print("report-browser-test: FAILED: " + msg, file=sys.stderr)
    sys.exit(1)

t_start = time.monotonic()
to_browser_r, to_browser_w = os.pipe()
from_browser_r, from_browser_w = os.pipe()
def child_fds():
    # The browser reads commands on fd 3 and writes on fd 4. Duplicate to fresh numbers first, in
    # case a pipe end already is 3 or 4 (dup2 onto itself would keep it close-on-exec).
    r, w = os.dup(to_browser_r), os.dup(from_browser_w)
    os.dup2(r, 3)
    os.dup2(w, 4)
    os.set_inheritable(3, True)
    os.set_inheritable(4, True)
proc = subprocess.Popen([chromium, *flags, "--remote-debugging-pipe", "about:blank"],
                        preexec_fn=child_fds,
                        stdout=subprocess.DEVNULL, stderr=open(os.path.join(os.environ["WORK"], "cdp.err"), "wb"),
                        close_fds=False)
os.close(to_browser_r); os.close(from_browser_w)
writer = os.fdopen(to_browser_w, "wb", buffering=0)
reader = os.fdopen(from_browser_r, "rb", buffering=0)
buffer = b""
next_id = 0
events = []
deadline = time.monotonic() + 90

def receive():
    global buffer
    while b"\0" not in buffer:
        if time.monotonic() > deadline:
            fail("the browser did not answer within 90 s")
        chunk = reader.read(1 << 20)
        if not chunk:
            fail("the browser closed the DevTools pipe (see %s)" % os.path.join(os.environ["WORK"], "cdp.err"))
        buffer += chunk
    message, buffer = buffer.split(b"\0", 1)
    return json.loads(message)

def send(method, params=None, session=None):
    global next_id
    next_id += 1
    message = {"id": next_id, "method": method, "params": params or {}}
    if session: message["sessionId"] = session
    writer.write(json.dumps(message).encode() + b"\0")
    while True:
        m = receive()
        if m.get("id") == next_id:
            if "error" in m: fail("%s: %s" % (method, m["error"]))
            return m.get("result", {})
        events.append(m)

def wait_event(name, session):
    while True:
        for i, e in enumerate(events):
            if e.get("method") == name and e.get("sessionId") == session:
                return events.pop(i)
        events.append(receive())

try:
    target = send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Page", "Runtime", "Network"):
        send(domain + ".enable", session=session)
    send("Emulation.setDeviceMetricsOverride", {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False}, session)
    t_nav = time.monotonic()
    send("Page.navigate", {"url": url}, session)
    wait_event("Page.loadEventFired", session)
    t_loaded = time.monotonic()
    # Open the first (largest) story and the last (smallest) duplicate group listed, so that
    # their contents are rendered, and seen in the screenshot, too.
    send("Runtime.evaluate", {"expression":
        "(() => { const s = document.querySelector('#stories details.item'); if (s) s.open = true;"
        " const g = document.querySelectorAll('#duplicates details.item'); if (g.length) g[g.length - 1].open = true; })()"}, session)
    info = send("Runtime.evaluate", {"returnByValue": True, "expression":
        "JSON.stringify({h: Math.ceil(document.documentElement.scrollHeight), w: document.documentElement.scrollWidth,"
        " headings: Array.from(document.querySelectorAll('h2')).map(e => e.textContent),"
        " details: document.querySelectorAll('details').length, svg: document.querySelectorAll('svg').length})"}, session)
    page = json.loads(info["result"]["value"])
    height = max(1, page["h"])
    scale = min(1.0, MAX_HEIGHT / height)
    send("Emulation.setDeviceMetricsOverride", {"width": width, "height": min(height, MAX_HEIGHT) if scale < 1 else height,
                                                "deviceScaleFactor": 1, "mobile": False}, session)
    shot = send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                           "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": scale}}, session)
    png = base64.b64decode(shot["data"])
    os.makedirs(os.path.dirname(os.path.abspath(out_png)), exist_ok=True)
    with open(out_png, "wb") as f:
        f.write(png)
    t_shot = time.monotonic()
    # A small copy of the top of the page for the pixel check (pure Python decoding stays fast).
    small = send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                            "clip": {"x": 0, "y": 0, "width": width, "height": min(height, 3000), "scale": 0.25}}, session)
    small_png = base64.b64decode(small["data"])
    # One more round trip, so that the events sent meanwhile (requests, exceptions) are in.
    send("Runtime.evaluate", {"expression": "1"}, session)
    try:
        send("Browser.close")
    except SystemExit:
        pass
finally:
    try:
        proc.wait(timeout=10)
    except Exception:
        proc.kill()

errors = [e["params"]["exceptionDetails"].get("text", "") + " " + json.dumps(e["params"]["exceptionDetails"].get("exception", {}).get("description", ""))
          for e in events if e.get("method") == "Runtime.exceptionThrown"]
requests = [e["params"]["request"]["url"] for e in events if e.get("method") == "Network.requestWillBeSent"]
foreign = [u for u in requests if not (u == url or u.startswith("data:") or u.startswith("about:"))]
if errors:
    fail("JavaScript errors: " + "; ".join(errors))
if foreign:
    fail("the page requested other resources (it must be self-contained): " + ", ".join(foreign[:5]))
wanted = ["Overview", "Stories", "Duplicate groups", "Topics", "Topic map"]
headings = [h.strip() for h in page["headings"]]
lost = [w for w in wanted if not any(h.startswith(w) for h in headings)]
if lost:
    fail("headings missing after load: " + ", ".join(lost))

def decode_png(data):
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail("the screenshot is not a PNG")
    pos, idat, w = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            w, h, depth, colour = struct.unpack(">IIBB", body[:10])
            if depth != 8 or colour not in (2, 6):
                fail("unexpected PNG format (depth %d, colour type %d)" % (depth, colour))
            bpp = 4 if colour == 6 else 3
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = w * bpp
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(h):
        ftype, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if ftype == 1: line[x] = (line[x] + a) & 255
            elif ftype == 2: line[x] = (line[x] + b) & 255
            elif ftype == 3: line[x] = (line[x] + ((a + b) >> 1)) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return w, h, bpp, rows

w, h, bpp, rows = decode_png(small_png)
ink, colours = 0, set()
for line in rows:
    for x in range(0, len(line), bpp):
        r, g, b = line[x], line[x + 1], line[x + 2]
        colours.add((r >> 4, g >> 4, b >> 4))
        if min(r, g, b) < 200:
            ink += 1
share = ink / float(w * h)
if share < 0.01 or len(colours) < 8:
    fail("the page looks blank: %.2f%% non-white pixels, %d colours" % (share * 100, len(colours)))
print("report-browser-test: ok: %d sections, %d <details>, %d SVG; %dx%d px page%s; %.1f%% ink; "
      "loaded in %.2f s, screenshot written %.2f s after starting the browser (%s, %d KB)"
      % (len(headings), page["details"], page["svg"], width, height,
         "" if scale == 1 else " (screenshot scaled by %.2f)" % scale, share * 100,
         t_loaded - t_nav, t_shot - t_start, out_png, len(png) // 1024))
PY
