"""Checks on the built book, as a reader meets it: HTML pages in headless Chromium, and the PDF.

These run after ``scripts/build-book.sh``. Without a built book they are skipped, unless
``GANBOOK_REQUIRE_BUILT_BOOK=1`` (set by CI), in which case a missing build is a failure.
Chromium is Debian's (``/usr/bin/chromium``), driven by Playwright; nothing downloads a browser.
"""

from __future__ import annotations

import functools
import html.parser
from html import unescape
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "scripts"))
import built_pages  # noqa: E402
from tests.serving import serving  # noqa: E402

pytestmark = pytest.mark.built_book
HTML = REPO / "_build" / "html"
PDF = REPO / "_build" / "latex" / "ganbook.pdf"
SCREENSHOTS = REPO / "_build" / "screenshots"
CHROMIUM = os.environ.get("GANBOOK_CHROMIUM", "/usr/bin/chromium")
REQUIRED = os.environ.get("GANBOOK_REQUIRE_BUILT_BOOK") == "1"


def _need(path: Path, what: str) -> None:
    if not path.exists():
        if REQUIRED:
            pytest.fail(f"{what} is missing at {path}: run scripts/build-book.sh first")
        pytest.skip(f"{what} not built (run scripts/build-book.sh)")


def toc_files() -> list[str]:
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [chapter["file"] for chapter in part.get("chapters", [])]
    return files


def chapter_titles() -> dict[str, str]:
    """The first '# ' heading of every chapter file."""
    titles = {}
    for name in toc_files():
        for line in (REPO / f"{name}.md").read_text().splitlines():
            if line.startswith("# "):
                titles[name] = line[2:].strip()
                break
    return titles


PAGES = toc_files()


@pytest.mark.parametrize("page", PAGES)
def test_every_chapter_has_a_page_without_errors_or_missing_images(page):
    _need(HTML, "the HTML book")
    path = HTML / f"{page}.html"
    assert path.is_file(), f"{page} is in _toc.yml but has no HTML page"
    html = path.read_text()
    for marker in built_pages.MARKERS:  # the markers the build script also checks
        assert marker not in html, f"{page}: found {marker!r} in the page"
    for source in re.findall(r'<img[^>]+src="([^"]+)"', html):
        if source.startswith(("http:", "https:", "data:")):
            continue
        assert (path.parent / source).resolve().is_file(), f"{page}: image {source} does not exist"
    repository = _repository_url()
    if repository is not None:
        assert f'href="{repository}"' in html, f"{page}: no link to the repository {repository}"


def _repository_url():
    """The repository address the book was built with (see _ext/ganbook_repository.py), or None."""
    from ganbook import address

    return address.repository_url(REPO)


@pytest.fixture(scope="module")
def server():
    _need(HTML, "the HTML book")
    with serving(HTML) as url:
        yield url.rstrip("/")


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        if REQUIRED:
            pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package")
        pytest.skip("Chromium is not installed")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield chromium
        chromium.close()



VISIBLE_TEXT_WITHOUT_CODE = """() => {
  const clone = document.body.cloneNode(true);
  clone.querySelectorAll('pre, code, script, style, mjx-container, .MathJax').forEach(e => e.remove());
  return clone.textContent;
}"""


class Loaded:
    """A page opened once at laptop width (1280 x 900), its MathJax typeset, for every check of that page:
    what the browser reported while loading it (console errors and warnings, failed requests)."""

    def __init__(self, page: str, tab, console_errors: list[str], failed: list[str], has_math: bool):
        self.page, self.tab, self.console_errors, self.failed, self.has_math = page, tab, console_errors, failed, has_math


def _by_page(pages: list[str]) -> list:
    """``pages`` as parameters of the ``desktop`` fixture; with several workers, each page's checks run
    in one of them (``worker_group`` in tests/conftest.py), which opens the page once for all of them."""
    return [pytest.param(page, id=page) for page in pages]


@pytest.fixture(scope="module")
def desktop(request, server, browser):
    """The page ``request.param`` opened in one tab, loaded and typeset, shared by the module's checks of
    that page (pytest orders a module-scoped parameter's tests together, so one page is open at a time)."""
    page = request.param
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    console_errors, failed = [], []
    tab.on("console", lambda m: console_errors.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    tab.on("pageerror", lambda error: console_errors.append(f"uncaught: {error}"))  # a script's own error
    tab.on("requestfailed", lambda r: failed.append(r.url))
    tab.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    tab.goto(f"{server}/{page}.html", wait_until="load")
    has_math = tab.evaluate("() => document.querySelectorAll('.math, .MathJax, mjx-container').length > 0 || "
                            "document.body.innerHTML.includes('\\\\(')")
    if has_math:
        tab.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=30_000)
        tab.evaluate("() => MathJax.startup.promise")
    yield Loaded(page, tab, console_errors, failed, has_math)
    tab.close()


@pytest.mark.parametrize("desktop", _by_page(PAGES), indirect=True)
def test_page_renders_in_chromium(desktop):
    page, tab = desktop.page, desktop.tab
    if desktop.has_math:
        assert tab.evaluate("() => document.querySelectorAll('mjx-container').length") > 0, f"{page}: math not typeset"
    text = tab.evaluate(VISIBLE_TEXT_WITHOUT_CODE)
    for raw in ("$$", "\\begin{", "\\(", "\\["):
        assert raw not in text, f"{page}: raw TeX {raw!r} left in the visible text"
    broken = tab.evaluate("() => Array.from(document.images).filter(i => !(i.complete && i.naturalWidth > 0))"
                          ".map(i => i.src)")
    assert not broken, f"{page}: images with no natural size: {broken}"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / f"{page.replace('/', '_')}.png"), full_page=True)
    assert not desktop.failed, f"{page}: failed requests {desktop.failed}"
    assert not desktop.console_errors, f"{page}: console errors and warnings {desktop.console_errors}"


NAVIGATION_PAGE = "book/gan"  # a long chapter: both sidebars have links
DRAWERS = {".primary-toggle": "#pst-primary-sidebar-modal", ".secondary-toggle": "#pst-secondary-sidebar-modal"}


def test_the_chapters_and_on_this_page_buttons_open_their_drawers_on_a_phone(server, browser):
    """At phone width both header buttons are tapped: each opens its drawer, with links, and Escape closes it
    (pydata-sphinx-theme 0.17 left them dead; _static/ganbook-sidebars.js passes their clicks on)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    tab.goto(f"{server}/{NAVIGATION_PAGE}.html", wait_until="load")
    for button, drawer in DRAWERS.items():
        visible = tab.locator(f"{button}:visible")
        assert visible.count() == 1, f"{button}: {visible.count()} visible buttons at phone width"
        visible.tap()
        tab.wait_for_function(f"() => document.querySelector('{drawer}').open", timeout=5_000)
        assert tab.locator(f"{drawer} a:visible").count() > 0, f"{drawer} opened empty"
        tab.screenshot(path=str(SCREENSHOTS / f"phone-{button.strip('.')}.png"))
        tab.keyboard.press("Escape")
        tab.wait_for_function(f"() => !document.querySelector('{drawer}').open", timeout=5_000)
    tab.close()


MATH_PAGES = [page for page in PAGES if page.startswith("book/")]
BOOK_PAGES = MATH_PAGES


@pytest.mark.parametrize("desktop", _by_page(MATH_PAGES), indirect=True)
def test_every_displayed_equation_fits_the_desktop_column(desktop):
    """At 1280 px each displayed equation is no wider than the column it sits in (wider ones were cut
    off, their number drawn over the cut); long ones are broken with aligned or gathered."""
    if desktop.tab.evaluate("() => document.querySelectorAll('.math').length") == 0:
        return
    wide = desktop.tab.evaluate("""() => Array.from(document.querySelectorAll('mjx-container[display="true"]'))
        .map(m => ({need: m.querySelector('mjx-math').getBoundingClientRect().width,
                    have: (m.closest('.math') || m.parentElement).getBoundingClientRect().width,
                    tex: MathJax.startup.document.getMathItemsWithin(m)[0].math.slice(0, 70)}))
        .filter(e => e.need > e.have + 1)""")
    assert not wide, f"{desktop.page}: equations wider than the column: {wide}"


PHONE_WIDTH = 390


@pytest.mark.parametrize("page", PAGES)
def test_no_page_scrolls_sideways_on_a_phone(page, server, browser):
    """At 390 px the page is no wider than the screen: wide code, outputs and tables scroll inside
    their own boxes, captions wrap."""
    tab = browser.new_page(viewport={"width": PHONE_WIDTH, "height": 844}, is_mobile=True)
    tab.goto(f"{server}/{page}.html", wait_until="load")
    width = tab.evaluate("() => document.documentElement.scrollWidth")
    widest = tab.evaluate(f"""() => Array.from(document.querySelectorAll('.bd-article *'))
        .filter(e => e.getBoundingClientRect().right > {PHONE_WIDTH} + 1)
        .filter(e => !e.closest('pre, .highlight, .cell_output, .table-wrapper, mjx-container, .MathJax, .output'))
        .slice(0, 3).map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').slice(0, 60))""")
    tab.close()
    assert width <= PHONE_WIDTH, f"{page}: {width} px wide at {PHONE_WIDTH} px, e.g. {widest}"


def test_the_chapters_button_hides_and_shows_the_sidebar_on_a_laptop(server, browser):
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    tab.goto(f"{server}/{NAVIGATION_PAGE}.html", wait_until="load")
    article = "() => document.querySelector('.bd-main').getBoundingClientRect().width"
    shown = tab.evaluate(article)
    tab.locator(".primary-toggle:visible").click()
    tab.wait_for_function(f"() => ({article})() > {shown} + 100", timeout=5_000)
    tab.wait_for_function("() => getComputedStyle(document.querySelector('#pst-primary-sidebar')).visibility"
                          " == 'hidden'", timeout=5_000)
    tab.locator(".primary-toggle:visible").click()
    tab.wait_for_function(f"() => ({article})() == {shown}", timeout=5_000)
    tab.close()


class _Figures(html.parser.HTMLParser):
    """Every image of a page's article: its alt text and the number of the figure holding it, if any."""

    def __init__(self):
        super().__init__()
        self.images, self._figures, self._in_number = [], [], False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "figure":
            self._figures.append({"number": None})
        elif tag == "span" and "caption-number" in (attributes.get("class") or ""):
            self._in_number = True
        elif tag == "img":
            self.images.append({"alt": (attributes.get("alt") or "").strip(), "src": attributes.get("src", ""),
                                "figure": self._figures[-1] if self._figures else None})

    def handle_endtag(self, tag):
        if tag == "figure" and self._figures:
            self._figures.pop()
        elif tag == "span":
            self._in_number = False

    def handle_data(self, data):
        if self._in_number and self._figures and data.strip().startswith("Fig."):
            self._figures[-1]["number"] = data.strip()


def _article_images(path: Path) -> list[dict]:
    page = path.read_text()
    start, end = page.find("<article"), page.rfind("</article>")
    parser = _Figures()
    parser.feed(page[start:end])
    return parser.images


def _looks_like_a_file_name(alt: str) -> bool:
    return bool(re.fullmatch(r"[\w./-]+\.(png|jpe?g|svg)|[0-9a-f]{16,}\S*", alt))


@pytest.mark.parametrize("page", PAGES)
def test_every_figure_is_numbered_and_described(page):
    """Each image of a chapter sits in a numbered figure ("Fig. 6.2") with alt text that describes it."""
    _need(HTML, "the HTML book")
    for image in _article_images(HTML / f"{page}.html"):
        where = f"{page}: image {image['src']}"
        assert image["figure"] is not None, f"{where} is not in a figure (give its cell mystnb figure metadata)"
        assert image["figure"]["number"], f"{where}: its figure has no number (a caption and a name number it)"
        alt = image["alt"]
        assert len(alt.split()) >= 5 and not _looks_like_a_file_name(alt), f"{where}: alt text {alt!r}"


# The smallest text a figure is drawn with (ganbook/book.mplstyle), in CSS pixels at the figure's own
# size, and the smallest a reader should meet on a laptop: 9 points.
SMALLEST_FIGURE_TEXT_PX = 12 * 100 / 72   # 12 points at 100 pixels per inch
LEGIBLE_PX = 9 * 96 / 72                  # 9 points in CSS pixels


@pytest.mark.parametrize("desktop", _by_page(BOOK_PAGES), indirect=True)
def test_every_figure_shows_its_text_legibly_on_a_laptop_and_opens_at_full_size(desktop):
    """Multi-panel figures drawn 10-13 inches wide were shown at 672 pixels, their text about 6 pixels
    tall; on a phone a tap opens the figure at full size (_static/ganbook-figures.js)."""
    tab = desktop.tab
    tab.wait_for_function("() => [...document.images].every(image => image.complete)", timeout=10_000)
    figures = tab.evaluate("""() => [...document.querySelectorAll("article figure img")].map(image => ({
        src: image.getAttribute("src"), natural: image.naturalWidth, shown: image.clientWidth,
        link: image.closest("a") ? image.closest("a").href : null, full: image.src}))""")
    problems = []
    for figure in figures:
        text_px = SMALLEST_FIGURE_TEXT_PX * figure["shown"] / figure["natural"]
        if text_px < LEGIBLE_PX - 0.05:
            problems.append(f"{figure['src']}: {figure['natural']} px drawn, {figure['shown']} px shown, "
                            f"text {text_px:.1f} px")
        if figure["link"] != figure["full"]:
            problems.append(f"{figure['src']}: does not open at full size (link {figure['link']})")
    assert not problems, problems


def test_the_pdf_has_the_figures_of_the_html():
    """The same figure numbers in both, so that a talk citing "Figure 6.2" means one figure."""
    _need(HTML, "the HTML book")
    numbers = set()
    for page in PAGES:
        numbers |= {image["figure"]["number"] for image in _article_images(HTML / f"{page}.html")
                    if image["figure"] and image["figure"]["number"]}
    in_pdf = set(re.findall(r"(Fig\. \d+(?:\.\d+)?):", _pdftotext()))  # the introduction's: "Fig. 1"
    assert numbers, "no numbered figures in the HTML book"
    assert in_pdf == numbers, f"only in the HTML: {sorted(numbers - in_pdf)}; only in the PDF: {sorted(in_pdf - numbers)}"


# The appendix's {nb-exec-table}: the execution cache's statistics, which Jupyter Book writes in
# while it writes the page, after any table directive around it would have wanted its table.
EXECUTION_TABLE_HEADER = re.compile(r"<th[^>]*><p>Document</p></th>\s*<th[^>]*><p>Modified</p></th>")


def _table_numbers(page: str) -> list[str | None]:
    """For each table in a page's article, its number ("Table 6.2"), or None when it has none."""
    html = (HTML / f"{page}.html").read_text()
    article = html[html.find("<article"):html.rfind("</article>")]
    numbers = []
    for table in re.finditer(r"<table\b.*?</table>", article, re.S):
        if EXECUTION_TABLE_HEADER.search(table.group(0)):
            continue  # Jupyter Book's own statistics, which no table directive can caption
        caption = re.search(r'<span class="caption-number">(Table \d+(?:\.\d+)?) </span>', table.group(0))
        numbers.append(caption.group(1) if caption else None)
    return numbers


@pytest.mark.parametrize("page", [page for page in PAGES if page.startswith("book/")])
def test_every_table_is_numbered_and_captioned(page):
    """About 58 result tables had neither, so the text could only say "the table below"."""
    _need(HTML, "the HTML book")
    numbers = _table_numbers(page)
    unnumbered = sum(number is None for number in numbers)
    assert not unnumbered, f"{page}: {unnumbered} of {len(numbers)} tables have no number and caption"


def test_the_pdf_has_the_tables_of_the_html():
    _need(HTML, "the HTML book")
    numbers = {number for page in PAGES if page.startswith("book/") for number in _table_numbers(page) if number}
    in_pdf = set(re.findall(r"(Table \d+(?:\.\d+)?):", _pdftotext()))  # the back matter's: "Table 1"
    assert numbers, "no numbered tables in the HTML book"
    assert in_pdf == numbers, f"only in the HTML: {sorted(numbers - in_pdf)}; only in the PDF: {sorted(in_pdf - numbers)}"


@pytest.mark.parametrize("desktop", _by_page(BOOK_PAGES), indirect=True)
def test_every_table_fits_the_desktop_column(desktop):
    wide = desktop.tab.evaluate("""() => [...document.querySelectorAll("article table")].filter(table =>
        table.scrollWidth > table.closest("article").clientWidth + 1).map(table =>
        `${(table.querySelector("caption") || table).textContent.trim().slice(0, 60)}: ${table.scrollWidth} px`)""")
    assert not wide, f"{desktop.page}: tables wider than the column: {wide}"


# axe-core's browser script, installed by .ci/run (npm package axe-core); GANBOOK_AXE overrides.
AXE = Path(os.environ.get("GANBOOK_AXE", REPO / "_build" / "axe" / "node_modules" / "axe-core" / "axe.min.js"))
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AUDITED_PAGES = [*PAGES, "genindex", "search"]
RUN_AXE = "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"


@pytest.mark.parametrize("desktop", _by_page(AUDITED_PAGES), indirect=True)
def test_page_meets_wcag_21_aa(desktop):
    """axe-core finds no violation of WCAG 2.1 A or AA on the page, after MathJax has typeset it.

    The theme's own markup that failed (the search and colour-mode buttons) is overridden in
    _templates/, docutils' and myst-nb's in _ext/ganbook_accessibility.py; no violation is excused.
    """
    if not AXE.is_file():
        if REQUIRED:
            pytest.fail(f"axe-core not found at {AXE}: .ci/run installs it (npm install axe-core)")
        pytest.skip("axe-core is not installed (see .ci/run)")
    tab = desktop.tab
    tab.evaluate("() => window.MathJax && MathJax.startup ? MathJax.startup.promise : null")
    if not tab.evaluate("() => typeof axe !== 'undefined'"):
        tab.add_script_tag(path=str(AXE))
    violations = tab.evaluate(RUN_AXE, WCAG_21_AA)["violations"]
    found = [f"{v['id']} ({len(v['nodes'])} elements), e.g. {v['nodes'][0]['html'][:200]}" for v in violations]
    assert not found, f"{desktop.page}: WCAG 2.1 AA violations:\n" + "\n".join(found)


@functools.cache  # one conversion of the whole PDF (seconds) for the module's six readers of its text
def _pdftotext() -> str:
    _need(PDF, "the PDF book")
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return subprocess.run(["pdftotext", "-layout", str(PDF), "-"], check=True, capture_output=True, text=True).stdout


def _normalise(text: str) -> str:
    """Lower case, single spaces, and LaTeX's typographic quotes back to ASCII."""
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", text).lower()


def test_pdf_has_every_chapter_and_no_unresolved_references():
    text = _pdftotext()
    flat = _normalise(text)
    for name, title in chapter_titles().items():
        words = _normalise(title)
        assert words in flat, f"chapter title {title!r} ({name}) not found in the PDF"
    assert "??" not in text, "unresolved reference (??) in the PDF"
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(PDF)], capture_output=True,
                                                            text=True).stdout).group(1))
    assert pages >= 4 * len(PAGES), f"only {pages} pages for {len(PAGES)} chapters"


LATEX_LOG = PDF.with_suffix(".log")
# framed.sty, which draws Sphinx's code frames, splits a listing at a page break with \vsplit, which
# may overshoot the room it was given by the depth of the piece's last line (its descenders): TeX
# reports that box as overfull, though the line stays inside the frame's padding and the page keeps
# its height (a page taller than the text block is reported apart, "while \output is active").
# The depth is at most a strut's, 0.3 of the code font's 11 pt baseline skip (\small at 10 pt).
FRAMED_SPLIT_SLACK_PT = 0.3 * 11


def overfull_boxes(log: str, tex_lines: list[str]) -> list[str]:
    """The LaTeX log's overfull vertical boxes that a reader can see: every page taller than the text
    block, and every box too tall except a code frame's split by no more than ``FRAMED_SPLIT_SLACK_PT``."""
    found = []
    for match in re.finditer(r"Overfull \\vbox \(([\d.]+)pt too high\) (has occurred while \\output is active|"
                             r"detected at line (\d+))", log):
        points, where, line = float(match.group(1)), match.group(2), match.group(3)
        if line is not None:
            source = tex_lines[int(line) - 1].strip() if int(line) <= len(tex_lines) else ""
            if source == r"\end{sphinxVerbatim}" and points <= FRAMED_SPLIT_SLACK_PT:
                continue
            where = f"at ganbook.tex line {line} ({source[:60]!r})"
        found.append(f"{points} pt too high {where}")
    return found


def test_overfull_boxes_finds_pages_and_boxes_but_not_a_code_frame_split():
    tex = ["\\end{sphinxVerbatim}", "\\end{sphinxadmonition}"]
    log = ("Overfull \\vbox (2.2pt too high) detected at line 1\n"
           "Overfull \\vbox (54.4pt too high) detected at line 2\n"
           "Overfull \\vbox (9.0pt too high) detected at line 1\n"
           "Overfull \\vbox (21.2pt too high) has occurred while \\output is active\n")
    assert len(overfull_boxes(log, tex)) == 3


def test_no_pdf_page_runs_into_its_footer():
    """Boxes that cannot break (a listing inside a framed solution) once pushed text 21-54 pt into the footer."""
    _need(LATEX_LOG, "the LaTeX log of the PDF book")
    log = LATEX_LOG.read_text(encoding="latin-1")
    tex = PDF.with_suffix(".tex").read_text(encoding="utf-8").splitlines()
    found = overfull_boxes(log, tex)
    assert not found, "overfull pages or boxes in the PDF: " + "; ".join(found)


def test_the_pdf_has_an_introduction_unnumbered_back_matter_and_one_author_year_bibliography():
    text = _pdftotext()
    contents = text[:text.find("This is an executable book")]
    assert re.search(r"^\s*Introduction\s+1\s*$", contents, re.M), "the contents list no Introduction"
    for page in ("book/reading-group", "book/zz-reproducibility"):
        title = chapter_titles()[page].split(":")[0]
        assert title in contents, f"{title!r} is not in the PDF's contents"
        assert not re.search(r"^\s*\d+\s+" + re.escape(title), contents, re.M), f"the PDF numbers {title!r}"
    assert not re.search(r"^\s*\d+\s+References\s", contents, re.M), "References is numbered in the contents"
    assert len(re.findall(r"^\s*References\s+\d+\s*$", contents, re.M)) == 1, "References is not listed once"
    assert "[Goodfellow et al., 2014]" in text and not re.search(r"^\s*\[\d{1,3}\]", text, re.M), \
        "the bibliography is not labelled author-year, as the text cites"
    _need(HTML, "the HTML book")
    references = (HTML / "book" / "references.html").read_text()
    labels = re.findall(r'<span class="fn-bracket">\[</span>(.*?)<span class="fn-bracket">\]</span>', references)
    assert labels and all(re.search(r", \d{4}[a-z]?$", unescape(label)) for label in labels), labels[:3]


def test_numbered_results_have_the_same_numbers_in_html_and_pdf():
    """Readers cite "Theorem 6.1": every numbered result of the HTML book must carry that number in the PDF too."""
    _need(HTML, "the HTML book")
    numbered = set()
    for page in HTML.glob("book/*.html"):
        numbered |= set(re.findall(r'<span class="caption-number">((?:Theorem|Proposition|Lemma|Definition|Corollary) '
                                   r'\d+\.\d+) </span>', page.read_text()))
    assert numbered, "no numbered theorems found in the HTML book"
    text = " ".join(_pdftotext().split())
    # "Theorem 6.1" must not be satisfied by "Theorem 6.1.1" (section-level numbering)
    missing = sorted(label for label in numbered if not re.search(re.escape(label) + r"(?!\.?\d)", text))
    assert not missing, f"numbered in HTML but not in the PDF: {missing}"


def test_the_download_menu_serves_the_book_as_a_pdf(server, browser):
    """A reader opens the download menu, follows "Book (PDF)", and gets the book as a PDF."""
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    tab.goto(f"{server}/{PAGES[1]}.html", wait_until="load")
    tab.click("button[aria-label='Download this page']")
    link = tab.locator("a.btn-download-book-pdf-button")
    link.wait_for(state="visible", timeout=5_000)
    url = tab.evaluate("a => a.href", link.element_handle())
    response = tab.request.get(url)
    status, kind, body = response.status, response.headers.get("content-type"), response.body()
    tab.close()
    assert status == 200, f"{url}: HTTP {status}"
    assert kind == "application/pdf" and body[:5] == b"%PDF-", f"{url} served {kind}"
    assert body == PDF.read_bytes(), "the linked PDF is not this build's"
    title = yaml.safe_load((REPO / "_config.yml").read_text())["title"]
    assert _normalise(title) in _normalise(_pdftotext()), "the served PDF is not the book"


@pytest.mark.parametrize("page", [page for page in PAGES if page != "book/references"])
def test_every_chapter_offers_its_notebook(page):
    _need(HTML, "the HTML book")
    relative = "../" * page.count("/") + f"_sources/{page}.ipynb"
    assert f'href="{relative}"' in (HTML / f"{page}.html").read_text(), f"{page}: no .ipynb download"
    assert (HTML / "_sources" / f"{page}.ipynb").is_file()


def test_no_page_points_to_an_address_the_build_did_not_know():
    """Built without a repository address (as CI builds a local clone): no launch buttons, no made-up links."""
    _need(HTML, "the HTML book")
    sys.path.insert(0, str(REPO / "code"))
    from ganbook import address

    if address.repository_url(REPO) is not None:
        pytest.skip("built with a repository address (tests/test_publishing.py checks that case)")
    for page in PAGES:
        html = (HTML / f"{page}.html").read_text()
        for absent in ("mybinder.org", "colab.research.google.com", 'rel="canonical"'):
            assert absent not in html, f"{page}: {absent} without a known address"
    assert not (HTML / "sitemap.xml").exists()


STANDALONE_CHAPTER = "book/supervised"  # trains two small models and reads MNIST: a chapter's whole life
CHECK_CELL = "import ganbook, sys\nprint('GANBOOK_AT', ganbook.__file__)\nprint('PYTHON_AT', sys.executable)"


def _run_notebook(chapter, venv: Path, tmp_path: Path, real_data: Path):
    """``chapter`` with :data:`CHECK_CELL` added, run by nbconvert with ``venv``'s Python from a folder
    outside the clone, with a fresh home and model cache; the executed notebook."""
    import nbformat

    reader = tmp_path / "reader"
    reader.mkdir()
    chapter.cells.append(nbformat.v4.new_code_cell(CHECK_CELL))
    nbformat.write(chapter, reader / "chapter.ipynb")
    environment = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path / "home"),
                   "GANBOOK_DATA_DIR": str(real_data), "GANBOOK_CACHE_DIR": str(tmp_path / "cache"),
                   "GANBOOK_MODELS_URL": "off", "MPLBACKEND": "Agg", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    run = subprocess.run([str(venv / "bin" / "python"), "-m", "nbconvert", "--to", "notebook", "--execute",
                          "--ExecutePreprocessor.timeout=900", "--output", "ran.ipynb", "chapter.ipynb"],
                         cwd=reader, env=environment, capture_output=True, text=True, timeout=1500)
    assert run.returncode == 0, run.stderr[-4000:]
    return nbformat.read(reader / "ran.ipynb", as_version=4)


@pytest.mark.slow  # a fresh environment, an install and a chapter's execution: a minute or more
def test_a_downloaded_chapter_runs_outside_the_repository_with_only_the_package_wheel(tmp_path, real_data):
    """The chapter's .ipynb download runs in a fresh virtual environment, from a folder outside the clone.

    The environment holds the built wheel of ganbook; the chapter's other dependencies come from the
    project's environment, added to the path as a plain folder, so its editable ganbook is not seen.
    """
    import nbformat

    notebook = HTML / "_sources" / f"{STANDALONE_CHAPTER}.ipynb"
    _need(notebook, "the chapter's notebook download")
    source, wheels = tmp_path / "source", tmp_path / "wheels"  # a copy: setuptools writes build/ beside it
    shutil.copytree(REPO / "code" / "ganbook", source / "code" / "ganbook",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(wheels), str(source)], check=True, capture_output=True)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          check=True, capture_output=True, text=True).stdout.strip()
    project_site = next(path for path in sys.path if path.endswith("site-packages"))
    (Path(site) / "book-dependencies.pth").write_text(project_site + "\n")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", site,
                    *map(str, wheels.glob("ganbook-*.whl"))], check=True, capture_output=True)
    ran = _run_notebook(nbformat.read(notebook, as_version=4), venv, tmp_path, real_data)
    printed = "".join(output.get("text", "") for output in ran.cells[-1].outputs)
    assert f"GANBOOK_AT {site}" in printed and f"PYTHON_AT {python}" in printed, printed
    errors = [output for cell in ran.cells for output in cell.get("outputs", []) if output.output_type == "error"]
    assert not errors
    assert list((tmp_path / "cache" / "models").glob("softmax-regression-*")), "the chapter trained no model"


def _pinned_tensorflow() -> str:
    """pyproject.toml's TensorFlow requirement, as the full distribution (what Colab has installed)."""
    import tomllib

    dependencies = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    return next(line.split(";")[0].strip() for line in dependencies if line.startswith("tensorflow=="))


TENSORFLOWS = {"tensorflow", "tensorflow-cpu", "tensorflow-intel", "tensorflow-macos"}


@pytest.mark.slow  # a fresh environment, an install and a chapter's execution: a minute or more
def test_a_chapter_in_colab_installs_ganbook_at_its_commit_beside_the_tensorflow_there(tmp_path, real_data):
    """A Colab-like environment: a fresh virtual environment with TensorFlow of the pinned version (the
    full distribution, as Colab has it), Jupyter's kernel and nbconvert. The chapter's downloaded notebook,
    its install cell pointed at this clone's commit (``git+file://localhost/...``, as the published notebook points at
    the repository's), installs ganbook and its other dependencies and runs; afterwards pip lists one
    TensorFlow distribution. Needs the package registry (CI has it) and this commit's code committed."""
    import json

    import nbformat

    sys.path.insert(0, str(REPO / "_ext"))
    import ganbook_repository

    notebook = HTML / "_sources" / f"{STANDALONE_CHAPTER}.ipynb"
    _need(notebook, "the chapter's notebook download")
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True,
                            check=True).stdout.strip()
    venv = tmp_path / "colab"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    preinstall = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                                 _pinned_tensorflow(), "ipykernel", "nbconvert"],
                                capture_output=True, text=True, timeout=900)
    assert preinstall.returncode == 0, preinstall.stderr[-3000:]
    chapter = ganbook_repository.published_notebook(json.loads(notebook.read_text()), f"git+file://localhost{REPO}@{commit}")
    ran = _run_notebook(nbformat.from_dict(chapter), venv, tmp_path, real_data)
    printed = "".join(output.get("text", "") for output in ran.cells[-1].outputs)
    assert f"{venv}/lib/" in printed and "site-packages/ganbook" in printed, printed
    listed = subprocess.run([str(python), "-m", "pip", "list", "--format=json"], capture_output=True,
                            text=True, check=True).stdout
    tensorflows = sorted(f"{d['name']} {d['version']}" for d in json.loads(listed)
                         if d["name"].lower() in TENSORFLOWS)
    pinned = _pinned_tensorflow().replace("==", " ").rstrip("*")  # "tensorflow 2.21."
    assert len(tensorflows) == 1 and tensorflows[0].startswith(pinned), tensorflows


EXERCISE_KINDS = ("derivation", "computation", "argument")
MIN_EXERCISES = 4


def numbered_chapters() -> list[str]:
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    return [entry["file"] for part in toc["parts"] if part.get("numbered") for entry in part["chapters"]]


def exercise_chapters() -> list[str]:
    """The numbered chapters but the appetizer: each has exercises, solutions and discussion questions."""
    return [page for page in numbered_chapters() if page != "book/appetizer"]


def _exercises(html: str) -> list[tuple[list[str], str]]:
    """(classes, id) of every exercise on a page, as sphinx-exercise writes them."""
    return [(classes.split(), ident) for classes, ident in
            re.findall(r'<div class="exercise ((?:[\w-]+ )*)admonition" id="([^"]+)"', html)]


@pytest.mark.parametrize("page", exercise_chapters())
def test_every_chapter_has_exercises_of_each_kind_each_with_a_folded_solution(page):
    _need(HTML, "the HTML book")
    html = (HTML / f"{page}.html").read_text()
    exercises = _exercises(html)
    assert len(exercises) >= MIN_EXERCISES, f"{page}: {len(exercises)} exercises"
    for classes, ident in exercises:
        kinds = [kind for kind in EXERCISE_KINDS if kind in classes]
        assert len(kinds) == 1, f"{page}: exercise {ident} has kinds {kinds}, not exactly one of {EXERCISE_KINDS}"
    for kind in EXERCISE_KINDS:
        assert any(kind in classes for classes, _ in exercises), f"{page}: no {kind} exercise"
    solutions = re.findall(r'<div class="solution ([^"]*)admonition" id="[^"]+">(.*?)</p>', html, re.S)
    assert all("dropdown" in classes.split() for classes, _ in solutions), f"{page}: a solution is not folded"
    solved = {ident for _, title in solutions for ident in re.findall(r'href="#([^"]+)"', title)}
    unsolved = [ident for _, ident in exercises if ident not in solved]
    assert not unsolved, f"{page}: exercises without a solution: {unsolved}"


@pytest.mark.parametrize("page", exercise_chapters())
def test_every_chapter_ends_with_discussion_questions_and_a_citation(page):
    _need(HTML, "the HTML book")
    html = (HTML / f"{page}.html").read_text()
    section = re.search(r'<section id="discussion-questions">(.*?)</section>', html, re.S)
    assert section, f"{page}: no 'Discussion questions' section"
    questions = re.findall(r"<li>", section[1])
    assert 3 <= len(questions) <= 5, f"{page}: {len(questions)} discussion questions"
    assert re.search(r'<p class="[^"]*\bcite-this-chapter\b[^"]*">Cite this chapter</p>', html), \
        f"{page}: no 'Cite this chapter'"


def _bibtex_blocks(html: str) -> list[str]:
    blocks = re.findall(r'<div class="highlight-bibtex notranslate"><div class="highlight"><pre>(.*?)</pre>',
                        html, re.S)
    return [unescape(re.sub(r"<[^>]+>", "", block)) for block in blocks]


def test_every_cite_this_chapter_entry_parses_as_bibtex():
    from pybtex.database import parse_string

    _need(HTML, "the HTML book")
    sys.path.insert(0, str(REPO / "code"))
    from ganbook import machine

    commit = machine.source_commit(REPO)
    title = yaml.safe_load((REPO / "_config.yml").read_text())["title"]
    cited = 0
    for page in PAGES:
        for block in _bibtex_blocks((HTML / f"{page}.html").read_text()):
            entries = parse_string(block, "bibtex").entries
            assert len(entries) == 1, f"{page}: {block}"
            (key, entry), = entries.items()
            assert key == "ganbook-" + page.rsplit("/", 1)[-1]
            assert entry.fields["booktitle"] == title and entry.fields["chapter"].isdigit()
            assert commit in entry.fields["note"], f"{page}: not built from {commit}? {entry.fields['note']}"
            cited += 1
    assert cited == len(numbered_chapters()), "one entry at the end of each numbered chapter"


def test_solutions_are_folded_until_a_reader_opens_them(server, browser):
    page = exercise_chapters()[0]
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    tab.goto(f"{server}/{page}.html", wait_until="load")
    solution = tab.locator("div.solution.dropdown").first
    body = solution.locator("section, p").last
    assert not body.is_visible(), f"{page}: the first solution shows before it is opened"
    before = tab.url
    solution.locator(".admonition-title").get_by_text("Exercise", exact=False).click()  # the exercise's name
    body.wait_for(state="visible", timeout=5_000)
    assert tab.url == before, f"{page}: clicking the solution's title went to {tab.url} instead of opening it"
    tab.close()


def test_the_pdf_prints_every_solution_after_its_exercise():
    text = _pdftotext()
    for page in exercise_chapters():
        html = (HTML / f"{page}.html").read_text()
        numbers = re.findall(r'<span class="caption-number">Exercise (\d+\.\d+) </span>', html) or \
            re.findall(r"Exercise (\d+\.\d+)", html)
        for number in dict.fromkeys(numbers):
            exercise, solution = text.find(f"Exercise {number}"), text.find(f"Solution to Exercise {number}")
            assert 0 <= exercise < solution, f"{page}: Exercise {number} or its solution is missing from the PDF"
