#!/usr/bin/env bash
# report_html.sh — keyward's HTML pages in a real browser: Debian's headless Chromium,
# driven over the DevTools protocol by tests/integration/cdp.py (a pipe, no network, one
# browser process for the whole script):
#  1. the audit page of the dirty image loads with no console error or warning, no
#     exception and no Log error (a CSP violation is one); its title, the chart's bars
#     (rendered, one per area and severity), one table row per finding and the severity
#     tiles agree with the same run's JSON report;
#  2. the CSS-only severity filter hides exactly the critical rows and shows them again;
#  3. layout at 1280x900 and 800x900: no horizontal overflow, the findings table and its
#     cells fit, and the screenshot shows the critical tile's colour at the centre the DOM
#     gives for it, a bar's colour where the DOM puts the bar, and white in the margin
#     (the PNG decoder is checked first against images with every filter type);
#  4. the detector is proven: a page under the report's CSP with an inline script must be
#     reported as a CSP violation (and the script must not run), a page without it must
#     report the script's console.error and its exception;
#  5. the guard replay page loads clean and its timeline has one rendered bar per hour;
#  6. hostile text (account names, key comments, key file names, shadow-only names, the
#     root folder's own name) with markup, script URLs, comment and CDATA ends, entities
#     and a right-to-left override: every payload reaches a finding in the JSON report,
#     and in the page no element or attribute came from it (no script, img, iframe, a,
#     object, embed, no on* attribute, no tag the payload-free page lacks, the same
#     structure), and it shows as text, escaped.
# If chromium is missing the test fails (install the Debian package chromium); a browser
# that hangs or dies fails it within the client's 20 s step deadline. About 3-4 s in all
# (one browser start, six page loads, two screenshots); KEYWARD_CHROMIUM names another binary.
# Args: KEYWARD_BINARY SOURCE_ROOT.
. "$(dirname "$0")/lib.sh"
START=$(date +%s.%N)
CHROMIUM=${KEYWARD_CHROMIUM:-/usr/bin/chromium}

if ! [ -x "$CHROMIUM" ]; then
	expect "Chromium is installed at $CHROMIUM (Debian package chromium: apt-get install chromium)" false
	finish
	exit 1
fi

kwrun() { # OUT-PREFIX keyward ARGS...: run with a time limit; RC, stderr in PREFIX.err
	local p=$1
	shift
	timeout 120 "$KW" "$@" >"$p.out" 2>"$p.err"
	RC=$?
}

# ---- the audit page of the dirty image ----
bash "$SRC/tests/integration/mkimage.sh" dirty "$TMP/dirty" "$SRC" >/dev/null
cd "$TMP" || exit 1
kwrun "$TMP/a" audit --root "$TMP/dirty" --today 2026-11-21 --format html --output a.html --report json=a.json
expect "audit --format html exits 1 (findings at or above high)" test "$RC" -eq 1
expect "the HTML and the JSON report are written" test -s a.html -a -s a.json

# ---- the guard replay page: a small log over three hours, one source banned ----
G=$TMP/auth.log
: >"$G"
for i in $(seq 1 12); do
	printf '2026-03-01T09:%02d:01+00:00 web1 sshd[%d]: Failed password for invalid user oracle from 198.51.100.23 port %d ssh2\n' \
		"$i" $((2000 + i)) $((50000 + i)) >>"$G"
done
for i in 1 2 3; do
	printf '2026-03-01T10:1%d:00+00:00 web1 sshd[%d]: Failed password for root from 192.0.2.10 port 4000%d ssh2\n' "$i" $((3000 + i)) "$i" >>"$G"
done
printf '2026-03-01T11:00:00+00:00 web1 sshd[4001]: Invalid user <img src=x onerror=alert(1)> from 192.0.2.77 port 1\n' >>"$G"
printf '2026-03-01T11:30:00+00:00 web1 sshd[4002]: Accepted publickey for alice from 192.0.2.1 port 5 ssh2: ED25519 SHA256:x\n' >>"$G"
kwrun "$TMP/g" guard --replay "$G" --no-ignore-self --format html --output g.html
expect "guard --replay --format html exits 1 (a source would have been banned)" test "$RC" -eq 1
kwrun "$TMP/gj" guard --replay "$G" --no-ignore-self --format json --output g.json
expect "the replay's JSON has hours in its timeline" \
	python3 -c 'import json,sys; sys.exit(not json.load(open(sys.argv[1]))["timeline"])' g.json

# ---- the hostile image ----
# Each payload starts with a marker kwmNN so that it can be found in the reports. Every
# payload goes into an authorized_keys comment (shown in the evidence); those without
# ':' also become an account with UID 0 (passwd names end at ':'), those without '/' a
# private key file name in ~alice/.ssh, a few a shadow-only name; the image's folder name
# carries kwm00 into the page's title and header.
RLO=$(printf '\342\200\256')
payloads=(
	'<script>alert(1)</script>'
	'"><img src=x onerror=alert(1)>'
	'</td></tr></table><h1>x'
	'<svg onload=alert(1)>'
	'javascript:alert(1)'
	'<!--'
	']]>'
	'&lt;'
	"${RLO}gpj.exe"
	'<iframe src=javascript:alert(1)></iframe>'
	'<a href=javascript:alert(1)>x</a>'
	'<object data=x></object><embed src=x>'
	"' onmouseover='alert(1)"
	'<style>*{display:none}</style>'
)
HOST="$TMP/host kwm00<b onmouseover=alert(1)>&amp;"
cp -a "$TMP/dirty" "$HOST"
K=$SRC/tests/data/keys
read -r ktype kblob _ <"$K/alice_ecdsa.pub"
: >"$TMP/payloads.tsv"
n=0
for p in "${payloads[@]}"; do
	n=$((n + 1))
	m=$(printf 'kwm%02d' "$n")
	printf '%s\t%s\n' "$m" "$p" >>"$TMP/payloads.tsv"
	case $n in
	[1-5]) akf=$HOST/root/.ssh/authorized_keys ;;
	[6-9] | 10) akf=$HOST/home/alice/.ssh/authorized_keys2 ;;
	*) akf=$HOST/srv/bob/.ssh/authorized_keys ;;
	esac
	printf '%s %s %s%s\n' "$ktype" "$kblob" "$m" "$p" >>"$akf"
	case $p in *:*) ;; *)
		printf '%s%s:x:0:0::/root:/bin/sh\n' "$m" "$p" >>"$HOST/etc/passwd" ;;
	esac
	case $p in */*) ;; *) cp "$K/root_ed25519" "$HOST/home/alice/.ssh/id_$m$p" ;; esac
	case $n in 3 | 6 | 8 | 14) printf '%s%s:!:19700:0:99999:7:::\n' "$m" "$p" >>"$HOST/etc/shadow" ;; esac
done
kwrun "$TMP/h" audit --root "$HOST" --today 2026-11-21 --format html --output h.html --report json=h.json
expect "audit of the hostile image exits 1" test "$RC" -eq 1
# every payload reaches a finding (kwm00 the report's target), as kw_escape shows it
python3 - h.json "$TMP/payloads.tsv" "$HOST" >"$TMP/reach.out" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
strings = [v for f in r["findings"] for v in f.values() if isinstance(v, str)]
for line in open(sys.argv[2], encoding="utf-8"):
    m, p = line.rstrip("\n").split("\t", 1)
    shown = m + p.replace("\u202e", "\\u{202e}")
    n = sum(shown in s for s in strings)
    print("%s\t%d" % (m, n))
print("kwm00\t%d" % (r["target"] == "folder " + sys.argv[3]))
PY
while IFS=$'\t' read -r m cnt; do
	expect "payload $m reaches the JSON report ($cnt strings)" test "$cnt" -ge 1
done <"$TMP/reach.out"
expect "all 15 payloads were looked for" test "$(wc -l <"$TMP/reach.out")" -eq 15

# ---- the screenshot decoder itself: every PNG filter type, every 8-bit colour type ----
expect "the PNG decoder of cdp.py gives back every pixel (filters 0-4, grey/RGB/alpha)" \
	python3 -B "$SRC/tests/integration/cdp.py" --png-selftest

# ---- everything the browser checks: one process, one Python run ----
BSTART=$(date +%s.%N)
timeout -k 5 180 python3 - "$SRC/tests/integration" "$TMP" "$CHROMIUM" "$HOST" >"$TMP/browser.out" 2>"$TMP/browser.err" <<'PY'
import json, os, signal, sys, time
sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, sys.argv[1])
import cdp

tmp, chromium, host = sys.argv[2], sys.argv[3], sys.argv[4]
out = sys.stdout
# timeout(1) sends SIGTERM: unwind, so that the browser is closed on the way out
signal.signal(signal.SIGTERM, lambda *_: sys.exit("killed by SIGTERM (timeout)"))


def check(cond, what, detail=None):
    out.write("%s\t%s\n" % ("ok" if cond else "not ok", what))
    if not cond and detail is not None:
        out.write("#\t  %s\n" % str(detail)[:2000].replace("\n", "\n#\t  "))
    out.flush()


def note(text):
    out.write("#\t%s\n" % text)


def url(name):
    return "file://" + os.path.join(tmp, name)


def pixel(png, x, y):
    """The pixel, or None outside the image (the check then fails, saying where)."""
    return png.pixel(x, y) if 0 <= x < png.width and 0 <= y < png.height else None


def rects(page, sel):
    """[[width, height, nrects], ...] of every element matching sel."""
    return page.eval("[...document.querySelectorAll(%s)].map(e => { const r = e.getBoundingClientRect();"
                     " return [r.width, r.height, e.getClientRects().length]; })" % json.dumps(sel))


a = json.load(open(os.path.join(tmp, "a.json")))
live = [f for f in a["findings"] if not f.get("waived")]
SEVS = ("critical", "high", "medium", "low", "info")


def audit_page(b):
    # ---- 1. the audit page ----
    p = b.open(url("a.html"), 1280, 900)
    check(p.eval("document.readyState") == "complete", "audit page: loads (readyState complete)")
    probs = p.problems()
    check(not probs, "audit page: no console error or warning, no exception, no Log error (CSP)", probs)
    title = p.eval("document.title")
    check(title.startswith("keyward audit"), "audit page: the title starts with 'keyward audit'", title)
    check(p.eval("!!document.querySelector('svg#chart')"), "audit page: svg#chart exists")
    bars = rects(p, "#chart rect.bar")
    want_bars = len({(f["id"].split(".")[0], f["severity"]) for f in live})
    check(len(bars) == want_bars, "audit page: one rect.bar per area and severity (%d)" % want_bars, bars)
    check(bars and all(w > 0 and h > 0 for w, h, _ in bars),
          "audit page: every bar is rendered with a non-zero width and height", bars)
    rows = p.eval("document.querySelectorAll('table.findings tbody tr').length")
    check(rows == len(live), "audit page: %d rows in table.findings = non-waived findings of the JSON" % len(live), rows)
    tiles = p.eval("Object.fromEntries(%s.map(s => [s, (document.querySelector('.tiles .tile.' + s + ' b') || {}).textContent]))"
                   % json.dumps(list(SEVS)))
    want = {s: str(a["summary"]["by_severity"].get(s, 0)) for s in SEVS}
    check(tiles == want, "audit page: the severity tiles equal the JSON summary %s" % want, tiles)
    per_class = p.eval("Object.fromEntries(%s.map(s => [s, String(document.querySelectorAll('table.findings tbody tr.sev-' + s).length)]))"
                       % json.dumps(list(SEVS)))
    check(per_class == want, "audit page: rows per tr.sev-<severity> equal the JSON summary", per_class)

    # ---- 2. the CSS filter ----
    ncrit = int(want["critical"])
    check(ncrit > 0, "filter: the page has critical rows to hide (%d)" % ncrit)
    state = """(() => { const rs = [...document.querySelectorAll('table.findings tbody tr')];
        const shown = r => r.getClientRects().length > 0;
        return { checked: document.getElementById('show-critical').checked,
                 crit_shown: rs.filter(r => r.classList.contains('sev-critical') && shown(r)).length,
                 crit: rs.filter(r => r.classList.contains('sev-critical')).length,
                 other_shown: rs.filter(r => !r.classList.contains('sev-critical') && shown(r)).length,
                 other: rs.filter(r => !r.classList.contains('sev-critical')).length }; })()"""
    p.eval("document.getElementById('show-critical').click()")
    s = p.eval(state)
    check(s["checked"] is False and s["crit_shown"] == 0 and s["crit"] == ncrit,
          "filter: #show-critical off hides every tr.sev-critical", s)
    check(s["other_shown"] == s["other"] == len(live) - ncrit, "filter: #show-critical off keeps every other row", s)
    p.eval("document.getElementById('show-critical').click()")
    s = p.eval(state)
    check(s["checked"] is True and s["crit_shown"] == ncrit and s["other_shown"] == s["other"],
          "filter: #show-critical back on shows every row again", s)
    p.eval("document.querySelector('label[for=show-high]').click()")
    s2 = p.eval("[document.getElementById('show-high').checked, [...document.querySelectorAll('tr.sev-high')]"
                ".filter(r => r.getClientRects().length).length]")
    check(s2 == [False, 0], "filter: its label toggles the checkbox too (high rows hidden)", s2)
    p.eval("document.querySelector('label[for=show-high]').click()")
    check(p.eval("[...document.querySelectorAll('table.findings tbody tr')].every(r => r.getClientRects().length)"),
          "filter: and shown again")

    # ---- 3. layout and the screenshot ----
    geo_js = """(() => { scrollTo(0, 0);
        const box = e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
        const tile = document.querySelector('.tile.critical'), bar = document.querySelector('#chart rect.bar');
        const t = document.querySelector('table.findings');
        const glyphs = [];
        const w = document.createTreeWalker(tile, NodeFilter.SHOW_TEXT);
        for (let n; (n = w.nextNode()); ) { const rg = document.createRange(); rg.selectNodeContents(n);
            for (const r of rg.getClientRects()) glyphs.push([r.left, r.top, r.right, r.bottom]); }
        const wide = [...t.querySelectorAll('td, th')].filter(c => c.scrollWidth > c.clientWidth + 1)
            .map(c => c.textContent.slice(0, 60));
        return { sw: document.documentElement.scrollWidth, iw: innerWidth, ih: innerHeight,
                 dpr: devicePixelRatio, tile: box(tile), glyphs, bar: bar && box(bar), fill: bar && bar.getAttribute('fill'),
                 table: box(t), wide }; })()"""
    for width in (1280, 800):
        p.viewport(width, 900)
        g = p.eval(geo_js)
        tag = "layout %dx900:" % width
        check(g["iw"] == width and g["ih"] == 900 and g["dpr"] == 1, tag + " the viewport is %dx900 CSS px at scale 1" % width, g)
        check(g["sw"] <= g["iw"], tag + " no horizontal overflow (scrollWidth <= innerWidth)", g)
        check(g["table"][0] >= 0 and g["table"][2] <= g["iw"], tag + " the findings table fits in the viewport width", g["table"])
        check(not g["wide"], tag + " no table cell's content is wider than its cell", g["wide"])
        png = cdp.Png(p.screenshot())
        check((png.width, png.height) == (width, 900), tag + " the screenshot is %dx900 pixels" % width,
              (png.width, png.height))
        l, t_, r_, b_ = g["tile"]
        check(0 <= l and r_ <= width and 0 <= t_ and b_ <= 900, tag + " the critical tile lies inside the viewport", g["tile"])
        cx, cy = int((l + r_) / 2), int((t_ + b_) / 2)
        # the centre, unless a glyph of the tile's text covers it: then the middle of the
        # padding to the right of the text, on the same line
        if any(gl[0] - 1 <= cx <= gl[2] + 1 and gl[1] - 1 <= cy <= gl[3] + 1 for gl in g["glyphs"]):
            right = max(gl[2] for gl in g["glyphs"])
            cx = int((right + r_) / 2)
            note(tag + " the tile's centre is under its text; sampling (%d, %d)" % (cx, cy))
        px = pixel(png, cx, cy)
        check(px and cdp.close_enough(px, "#b0182a"), tag + " the screenshot has the critical tile's colour #b0182a at its DOM centre (%d, %d)" % (cx, cy), px)
        mx = int(l / 2)
        px = pixel(png, mx, cy)
        check(l >= 4 and px and cdp.close_enough(px, (255, 255, 255), 3), tag + " the page is white in the margin left of the tile (%d, %d)" % (mx, cy), (l, px))
        if g["bar"] is None:
            check(False, tag + " the first chart bar's colour is where the DOM puts it", "no #chart rect.bar")
        else:
            bl, bt, br, bb = g["bar"]
            bx, by = int((bl + br) / 2), int((bt + bb) / 2)
            px = pixel(png, bx, by)
            check(px and cdp.close_enough(px, g["fill"]), tag + " the first chart bar's colour %s is where the DOM puts it (%d, %d)" % (g["fill"], bx, by), px)
    check(not p.problems(), "audit page: still no console message after the interactions", p.problems())
    p.close()



def proof(b):
    # ---- 4. the detector is proven ----
    head = open(os.path.join(tmp, "a.html"), encoding="utf-8").read().split("<title>")[0]
    check("Content-Security-Policy" in head, "proof: the report's head (with its CSP) is reused", head[-300:])
    with open(os.path.join(tmp, "csp.html"), "w") as f:
        f.write(head + "<title>csp</title></head><body><p>x</p>"
                "<script>console.error('kwcanary-csp'); document.title = 'ran'</script></body></html>\n")
    with open(os.path.join(tmp, "nocsp.html"), "w") as f:
        f.write("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>nocsp</title></head><body>"
                "<div style=\"width:3000px\">wide</div>"
                "<script>console.error('kwcanary-error'); throw new Error('kwcanary-throw')</script></body></html>\n")
    p = b.open(url("csp.html"))
    msgs = p.messages()
    check(any(k == "log" and lv == "error" and "Content Security Policy" in t for k, lv, t in msgs),
          "proof: an inline script under the report's CSP is reported (Log error, CSP violation)", msgs)
    check(p.problems() and p.eval("document.title") == "csp" and not any("kwcanary" in m[2] for m in msgs),
          "proof: and it did not run", msgs)
    p.close()
    p = b.open(url("nocsp.html"))
    msgs = p.problems()
    check(any(k == "console" and lv == "error" and "kwcanary-error" in t for k, lv, t in msgs),
          "proof: without the CSP the script's console.error is reported", msgs)
    check(any(k == "exception" and "kwcanary-throw" in t for k, lv, t in msgs),
          "proof: and its uncaught exception", msgs)
    check(p.eval("document.documentElement.scrollWidth > innerWidth"),
          "proof: a 3000 px wide block is seen as horizontal overflow")
    p.close()



def guard_page(b):
    # ---- 5. the guard replay page ----
    gj = json.load(open(os.path.join(tmp, "g.json")))
    p = b.open(url("g.html"))
    probs = p.problems()
    check(not probs, "guard page: no console error or warning, no exception, no Log error", probs)
    check(p.eval("document.title").startswith("keyward guard replay"), "guard page: its title")
    gr = rects(p, "svg rect")
    check(len(gr) == len(gj["timeline"]), "guard page: the svg has one rect per hour of the timeline (%d)" % len(gj["timeline"]), gr)
    check(gr and all(w > 0 and h >= 0 and n for w, h, n in gr) and max(h for _, h, _ in gr) > 0,
          "guard page: the bars are rendered (the peak hour with a height)", gr)
    check(p.eval("document.querySelectorAll('img, script').length") == 0
          and "<img src=x onerror=alert(1)>" in p.eval("document.body.innerText"),
          "guard page: the hostile user name is text, not an img")
    check(p.eval("document.documentElement.scrollWidth <= innerWidth"), "guard page: no horizontal overflow at 1280 px")
    p.viewport(800, 900)
    check(p.eval("document.documentElement.scrollWidth <= innerWidth"),
          "guard page: no horizontal overflow at 800 px (the timeline scales)", p.eval("document.documentElement.scrollWidth"))
    p.close()



def hostile(b):
    # ---- 6. hostile text ----
    census = """(() => { const all = [...document.querySelectorAll('*')];
        const count = {}; for (const e of all) count[e.localName] = (count[e.localName] || 0) + 1;
        return { tags: Object.keys(count).sort(), count,
                 on: all.flatMap(e => [...e.attributes].filter(a => a.name.toLowerCase().startsWith('on'))
                                       .map(a => e.localName + ' ' + a.name)),
                 js: all.flatMap(e => [...e.attributes].filter(a => /javascript:/i.test(a.value)).map(a => e.localName + ' ' + a.name)),
                 rows: document.querySelectorAll('table.findings tbody tr').length,
                 text: document.body.innerText, title: document.title }; })()"""
    p = b.open(url("a.html"))
    clean = p.eval(census)
    p.close()
    h = json.load(open(os.path.join(tmp, "h.json")))
    p = b.open(url("h.html"))
    c = p.eval(census)
    msgs = p.messages()
    check(not msgs, "hostile page: no console or Log message at all", msgs)
    bad = p.eval("[...document.querySelectorAll('script, img, iframe, frame, a, object, embed, form, base, link, math, template')].map(e => e.outerHTML.slice(0, 80))")
    check(not bad, "hostile page: no script, img, iframe, a, object, embed (nor frame, form, base, link, math, template)", bad)
    check(not c["on"], "hostile page: no element has an attribute starting with 'on'", c["on"])
    check(not c["js"], "hostile page: no attribute value holds javascript:", c["js"])
    extra = sorted(set(c["tags"]) - set(clean["tags"]))
    check(not extra, "hostile page: no tag the payload-free page lacks (%d tags)" % len(clean["tags"]), extra)
    fixed = ("h1", "h2", "header", "section", "table", "thead", "svg", "style", "title", "meta", "input", "label", "ul")
    diff = {t: (clean["count"].get(t), c["count"].get(t)) for t in fixed if clean["count"].get(t) != c["count"].get(t)}
    check(not diff, "hostile page: the same structure (counts of h1, h2, section, table, svg, style, input, ...)", diff)
    hl = [f for f in h["findings"] if not f.get("waived")]
    check(c["rows"] == len(hl), "hostile page: one row per finding (%d), no row broken or added" % len(hl), c["rows"])
    text = c["text"]
    for line in open(os.path.join(tmp, "payloads.tsv"), encoding="utf-8"):
        m, pl = line.rstrip("\n").split("\t", 1)
        shown = m + pl.replace("\u202e", "\\u{202e}")
        check(shown in text, "hostile page: %s shows as text: %r" % (m, shown), [t for t in text.split("\n") if m in t][:3])
    check("kwm08&lt;" in text and "kwm08<" not in text, "hostile page: '&lt;' shows as the four characters &lt;")
    check("\u202e" not in text and "\u202e" not in c["title"], "hostile page: no raw U+202E (right-to-left override) on the page")
    want_title = "keyward audit: folder " + host
    check(c["title"] == want_title, "hostile page: the title is the folder's name as text", (c["title"], want_title))
    check(("folder " + host) in text, "hostile page: the header shows the folder's name as text")
    p.close()


# Each part reports an exception as a failed check and the next part still runs; a
# browser that died or hangs fails every part after it (each step has a deadline).
t0 = time.monotonic()
with cdp.Browser(chromium=chromium, tmpdir=tmp) as b:
    note("browser: %s, started in %.2f s" % (b.version.get("product"), time.monotonic() - t0))
    for name, part in (("audit page", audit_page), ("proof", proof), ("guard page", guard_page),
                       ("hostile page", hostile)):
        try:
            part(b)
            check(True, "%s: every check ran" % name)
        except Exception as e:
            check(False, "%s: every check ran" % name, "%s: %s" % (type(e).__name__, e))
    note("browser part: %.2f s" % (time.monotonic() - t0))
out.write("ok\tthe browser session ran to its end and closed\n")
PY
BRC=$?
BEND=$(date +%s.%N)
while IFS=$'\t' read -r res what; do
	case $res in
	ok | "not ok") expect "$what" test "$res" = ok ;;
	'#') echo "# $what" ;;
	esac
done <"$TMP/browser.out"
expect "the browser checks exited 0 (python: $BRC)" test "$BRC" -eq 0
expect "the browser session ran to its end" grep -q $'^ok\tthe browser session ran to its end' "$TMP/browser.out"
if [ "$BRC" -ne 0 ] || [ -s "$TMP/browser.err" ]; then
	sed 's/^/# /' "$TMP/browser.err" | tail -40
fi
expect "more than 60 browser checks ran" test "$(grep -c $'^ok\t\|^not ok\t' "$TMP/browser.out")" -gt 60
awk -v s="$START" -v b="$BSTART" -v e="$BEND" -v n="$(date +%s.%N)" \
	'BEGIN { printf "# time: %.1f s in all, %.1f s in the browser\n", n - s, e - b }'
finish
