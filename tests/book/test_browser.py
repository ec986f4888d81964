"""The built book as readers see it: every page in Chromium, at desktop and phone width.

Serves the build of conftest.py on 127.0.0.1 and opens each page of the toc at
1280 and 390 px with Playwright driving the system's Chromium. A page fails on:
raw MyST or LaTeX left as text; math not typeset by the shipped MathJax; a
broken image or internal link; a request that leaves the machine; an error in
the console; a numbered equation overlapped by its number, or cut without a
scroll bar; a code block that scrolls sideways; a page wider than the phone; a phone menu that does not open.

Needs Chromium and the Python package playwright (requirements.txt). Without a
browser the tests are skipped with a message saying how to enable them;
`.ci/run` installs Debian's chromium. Set CHROMIUM=/path/to/chrome to use
another Chromium or Chrome. In CI (BOOK_REQUIRE_BROWSER=1, set by .ci/run) a
missing browser is a failure, not a skip. The checks themselves are tested on small broken
pages in test_checks_find_broken_pages.
"""

import functools
import http.server
import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
WIDTHS = {"desktop": 1280, "phone": 390}
HOW_TO_ENABLE = (
    "browser checks skipped: no Chromium found. Install it (Debian/Ubuntu: "
    "`apt-get install chromium`; macOS: Google Chrome) and set CHROMIUM=/path/to/binary "
    "if it is not on PATH; `pip install playwright` comes with requirements.txt"
)
# MyST roles and directives, and LaTeX commands, that must never reach the reader as text.
RAW_MYST = re.compile(r"\{(?:eval|glue(?::\w+)?|term|cite(?::\w+)?|doc|numref|eq|ref|math|exercise|solution)\}`"
                      r"|^\s*(?:```|:::)\{\w[\w:-]*\}", re.M)
RAW_LATEX = re.compile(r"\\(?:frac|mathbf|mathrm|left|right|sum|prod|odot|partial|begin|end|sigma|tanh|top"
                       r"|boldsymbol|operatorname|lVert|rVert|cdot|times|quad|text)\b|\$\$|\\\[|\\\(")


def chromium_path():
    candidates = [os.environ.get("CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser"),
                  shutil.which("google-chrome"), "/usr/bin/chromium",
                  "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome"]
    return next((c for c in candidates if c and Path(c).exists()), None)


def toc_pages():
    """Paths of the toc's pages relative to the book root, as .html."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [c["file"] for c in part.get("chapters", [])]
    return [f + ".html" for f in files]


@pytest.fixture(scope="module")
def browser():
    exe = chromium_path()
    skip = pytest.fail if os.environ.get("BOOK_REQUIRE_BROWSER") else pytest.skip  # set by .ci/run
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip("browser checks skipped: the Python package playwright is not installed "
             "(pip install -r requirements.txt)")
    if exe is None:
        skip(HOW_TO_ENABLE)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=exe,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-sync", "--disable-quic"])
        yield browser
        browser.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def site(built_book):
    """The built book served on 127.0.0.1 (search reads its index over HTTP)."""
    proc, html = built_book
    if proc.returncode != 0 or not (html / "index.html").exists():
        pytest.skip("the build failed; see test_book_builds_without_warnings")
    yield from serve(html)


def serve(folder):
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield folder, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


# Runs in the page; returns what the checks in page_problems read.
MEASURE = r"""
() => {
  const main = document.querySelector("main") || document.body;
  const clone = main.cloneNode(true);
  clone.querySelectorAll("pre, code, script, style, mjx-container, .highlight, .output")
       .forEach(e => e.remove());
  const eqs = [];
  document.querySelectorAll("div.math").forEach(div => {
    const eqno = div.querySelector(".eqno");
    const mjx = div.querySelector("mjx-container");
    if (!mjx) { eqs.push({label: div.id || div.textContent.slice(0, 40), typeset: false}); return; }
    const m = mjx.getBoundingClientRect();
    const overflow = getComputedStyle(mjx).overflowX;
    const wide = mjx.scrollWidth > mjx.clientWidth + 1;
    const clipped = wide && !["auto", "scroll"].includes(overflow);
    let overlap = false;
    if (eqno) {
      const e = eqno.getBoundingClientRect();
      // the visible part of the equation: its box, or what its content needs
      const right = Math.min(m.left + mjx.scrollWidth, m.right);
      overlap = e.width > 0 && e.left < right - 1 && e.top < m.bottom - 1 && e.bottom > m.top + 1;
    }
    eqs.push({label: eqno ? eqno.textContent.trim() : (div.id || "unnumbered"),
              typeset: true, clipped, overlap, wide});
  });
  const inlineCut = [];
  document.querySelectorAll("span.math mjx-container, mjx-container:not([display])").forEach(mjx => {
    const box = mjx.closest("p, li, td, dd") || mjx.parentElement;
    const r = mjx.getBoundingClientRect(), b = box.getBoundingClientRect();
    const scrolls = ["auto", "scroll"].includes(getComputedStyle(mjx).overflowX);
    if (r.right > b.right + 2 && !scrolls) inlineCut.push(mjx.textContent.slice(0, 40));
  });
  const codeScroll = [...document.querySelectorAll("div.highlight pre, div.cell_output pre")]
    .filter(pre => pre.scrollWidth > pre.clientWidth + 1)
    .map(pre => pre.textContent.split("\n").reduce((a, b) => a.length >= b.length ? a : b).slice(0, 60));
  const images = [...document.images].filter(i => i.complete && i.naturalWidth === 0)
                                       .map(i => i.getAttribute("src"));
  return {
    text: clone.innerText,
    mathNodes: document.querySelectorAll("span.math, div.math").length,
    typeset: document.querySelectorAll("mjx-container").length,
    mathErrors: document.querySelectorAll("mjx-merror").length,
    eqs, inlineCut, images, codeScroll,
    pageWidth: document.documentElement.scrollWidth,
    links: [...document.querySelectorAll("a[href]")].map(a => a.getAttribute("href")),
  };
}
"""

WAIT_FOR_MATH = """
async () => {
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) { await MathJax.startup.promise; }
  await new Promise(r => setTimeout(r, 50));
}
"""


def open_page(browser, url, width, base):
    """Open url at the given width; return (page, problems seen while loading)."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    problems = []
    host = urlparse(base).netloc

    def route(r):
        target = urlparse(r.request.url)
        if target.scheme in ("data", "blob", "about") or target.netloc == host:
            r.continue_()
        else:
            problems.append(f"request leaves the machine: {r.request.url}")
            r.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda exc: problems.append(f"page error: {exc}"))
    page.on("console", lambda msg: problems.append(f"console {msg.type}: {msg.text}")
            if msg.type == "error" else None)
    page.goto(url, wait_until="load")
    page.evaluate(WAIT_FOR_MATH)
    return context, page, problems


def page_problems(page, width, html_root, page_path):
    """Everything a reader would trip over on this page at this width."""
    m = page.evaluate(MEASURE)
    problems = []
    for match in RAW_MYST.finditer(m["text"]):
        problems.append(f"raw MyST in the text: {context_of(m['text'], match)}")
    for match in RAW_LATEX.finditer(m["text"]):
        problems.append(f"raw LaTeX in the text: {context_of(m['text'], match)}")
    if m["mathNodes"] and not page.evaluate("!!(window.MathJax && MathJax.version)"):
        problems.append("math on the page but MathJax did not load")
    elif m["typeset"] < m["mathNodes"]:
        problems.append(f"{m['mathNodes'] - m['typeset']} of {m['mathNodes']} formulas not typeset")
    if m["mathErrors"]:
        problems.append(f"{m['mathErrors']} MathJax errors")
    for eq in m["eqs"]:
        if not eq["typeset"]:
            problems.append(f"display equation {eq['label']} not typeset")
        elif eq["overlap"]:
            problems.append(f"equation {eq['label']} is overlapped by its number")
        elif eq["clipped"]:
            problems.append(f"equation {eq['label']} is cut off with no scroll bar")
        elif eq["wide"] and width >= WIDTHS["desktop"]:
            # on a phone a wide equation scrolls; at desktop width it must fit
            problems.append(f"equation {eq['label']} is wider than the column at {width} px")
    for text in m["inlineCut"]:
        problems.append(f"inline formula cut at the column edge: {text!r}")
    for line in m["codeScroll"]:
        problems.append(f"code block scrolls sideways: {line!r}")
    for src in m["images"]:
        problems.append(f"broken image: {src}")
    if m["pageWidth"] > width + 1:
        problems.append(f"page is {m['pageWidth']} px wide in a {width} px window")
    for href in m["links"]:
        problem = broken_link(href, html_root, page_path)
        if problem:
            problems.append(problem)
    return problems


def context_of(text, match, width=30):
    start, end = max(match.start() - width, 0), match.end() + width
    return repr(text[start:end])


@functools.lru_cache(maxsize=None)
def ids_of(path):
    return set(re.findall(r'\bid="([^"]+)"', Path(path).read_text(encoding="utf-8")))


def broken_link(href, html_root, page_path):
    """A message if an internal link points to no file or no anchor, else None."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", href, re.I):  # http:, mailto:, javascript:, ...
        return None
    target, fragment = urldefrag(href)
    path = (html_root / page_path).parent / unquote(target) if target else html_root / page_path
    path = path.resolve()
    if path.is_dir():
        path = path / "index.html"
    if not path.exists():
        return f"broken link: {href}"
    if fragment and path.suffix == ".html" and unquote(fragment) not in ids_of(str(path)):
        return f"broken anchor: {href}"
    return None


def menu_problems(page):
    """At phone width the ☰ button opens the navigation, and the contents button the page's contents."""
    problems = []
    for which, dialog in (("primary", "#pst-primary-sidebar-modal"), ("secondary", "#pst-secondary-sidebar-modal")):
        buttons = page.locator(f".{which}-toggle:visible")
        if buttons.count() == 0:
            if which == "primary":
                problems.append("no visible ☰ button at phone width")
            continue
        buttons.first.click()
        page.wait_for_timeout(300)
        opened = page.evaluate(f"""() => {{
            const d = document.querySelector("{dialog}");
            if (!d || !d.open) return 0;
            return [...d.querySelectorAll("a")].filter(a => {{
                const r = a.getBoundingClientRect();
                return r.width > 0 && r.height > 0 && r.right > 0 && r.left < window.innerWidth;
            }}).length;
        }}""")
        if not opened:
            problems.append(f"the {which} sidebar button does not open {dialog} with visible links")
        page.keyboard.press("Escape")
        page.wait_for_timeout(200)
    return problems


@pytest.mark.book
@pytest.mark.parametrize("device", list(WIDTHS))
def test_every_page_reads_well(browser, site, device):
    html_root, base = site
    width = WIDTHS[device]
    report = {}
    for page_path in toc_pages():
        context, page, problems = open_page(browser, base + page_path, width, base)
        try:
            problems += page_problems(page, width, html_root, page_path)
            if device == "phone":
                problems += menu_problems(page)
        finally:
            context.close()
        if problems:
            report[page_path] = problems
    if report:
        lines = [f"{p}:\n  " + "\n  ".join(dict.fromkeys(v)) for p, v in report.items()]
        pytest.fail(f"{len(report)} page(s) at {width} px have problems:\n" + "\n".join(lines), pytrace=False)


@pytest.mark.book
def test_search_finds_text_over_http(browser, site):
    html_root, base = site
    context, page, problems = open_page(browser, base + "search.html?q=gradient", WIDTHS["desktop"], base)
    try:
        page.wait_for_selector("#search-results li", timeout=20000)
        page.wait_for_timeout(500)
        results = page.locator("#search-results li").count()
        snippets = page.locator("#search-results li p.context").count()
    finally:
        context.close()
    assert not problems, problems
    assert results > 5 and snippets > 0, f"search for 'gradient' gave {results} results, {snippets} snippets"


BROKEN_PAGE = """<!doctype html><html><head><meta charset="utf-8">
<style>div.math {{ width: 300px; }} .eqno {{ float: right; }}</style></head>
<body><main>
<p>The value is {{eval}}`rmse_gru` and $\\frac{{a}}{{b}}$ stays raw.</p>
<div class="math" id="eq1"><span class="eqno">(1)</span>
<mjx-container display="true" style="display:block; overflow:visible; white-space:nowrap">
<span style="display:inline-block; width:900px">a very wide equation</span></mjx-container></div>
<div class="math" id="eq2"><span class="eqno">(2)</span>
<mjx-container display="true" style="display:block; overflow:hidden; white-space:nowrap">
<span style="display:inline-block; width:900px">another wide equation</span></mjx-container></div>
<img src="missing.png">
<a href="nowhere.html">a broken link</a> <a href="#no-such-anchor">a broken anchor</a>
<div style="width:1000px">too wide for a phone</div>
<div class="highlight"><pre style="white-space:pre; overflow-x:auto; width:200px">
x = 1  # a comment far too long for the box it stands in, so it scrolls</pre></div>
<img src="https://example.org/remote.png">
<script>throw new Error("boom");</script>
</main></body></html>
"""


@pytest.mark.book
def test_checks_find_broken_pages(browser, tmp_path):
    """The checks are not vacuous: a page with one of each fault fails each of them."""
    (tmp_path / "broken.html").write_text(BROKEN_PAGE.format(), encoding="utf-8")
    for html_root, base in serve(tmp_path):
        context, page, problems = open_page(browser, base + "broken.html", WIDTHS["phone"], base)
        try:
            problems += page_problems(page, WIDTHS["phone"], html_root, "broken.html")
            problems += menu_problems(page)
        finally:
            context.close()
    text = "\n".join(problems)
    expected_problems = (
        "raw MyST", "raw LaTeX", "overlapped by its number", "cut off with no scroll bar", "broken image",
        "broken link", "broken anchor", "px wide in a 390 px window", "code block scrolls sideways",
        "request leaves the machine", "page error", "no visible ☰ button",
    )
    for expected in expected_problems:
        assert expected in text, f"the checks missed {expected!r}; they reported:\n{text}"
