"""report.html in a real browser (headless Chromium through Selenium), and its escaping by construction.

The browser test needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs
them when missing) and selenium (the test extra).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from corpus_texts import make_tree
from hypothesis import given
from hypothesis import strategies as st

from normalizer import batch
from normalizer.batch import RunOptions
from normalizer.report import file_table, html_report, html_text, review
from normalizer.report.file_table import PAGE_ROWS, FileTable
from normalizer.report.html_report import render_html

HOSTILE = "<img src=x onerror=alert(1)>\u202etxt.exe\x1b]0;PWN\x07&amp;"
RAW_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


def hostile_report() -> tuple[dict, dict]:
    """A report whose every string from the corpus or its names is hostile, and a preview for one file."""
    h = HOSTILE
    records = [
        {
            "path": f"a{h}.txt",
            "status": "changed",
            "reason": None,
            "reused": False,
            "bytes_in": 9,
            "bytes_out": 9,
            "encoding": "utf-8",
            "script": {"verdict": "traditional", "traditional_share": 1.0, "simplified_share": 0.0},
            "edit_counts": {"convert": 1, "fix": 1},
            "annotations": [[f"({h})", "", 1, [[0, 1]]]],
            "mappings": {"convert": {f"{h}→x": 1}},
            "replaced": [],
            "flags": [{"kind": f"mojibake{h}", "line": 1, "text": f"flag{h}", "reason": f"why{h}"}],
            "flag_counts": {f"mojibake{h}": 1},
        },
        {"path": f"b{h}.txt", "status": "error", "reason": f"cannot decode {h}", "reused": False, "bytes_in": 3},
        {"path": f"c{h}.png", "status": "skipped", "reason": f"binary {h}", "reused": True, "bytes_in": 3},
    ]
    totals = {
        "files": 3,
        "changed": 1,
        "unchanged": 0,
        "skipped": 1,
        "error": 1,
        "reused": 1,
        "written": 1,
        "bytes_in": 15,
        "bytes_out": 9,
        "edit_counts": {"convert": 1, "fix": 1},
        "annotations": 1,
        "flags": {f"mojibake{h}": 1},
        "mappings": {"convert": {f"{h}→x": 1}, f"fix{h}": {f"著{h}→着": 1}},
    }
    report = {
        "schema": "zhnorm-report",
        "schema_version": 1,
        "tool": {"version": h, "opencc": h},
        "run": {
            "src": f"src{h}",
            "dst": f"dst{h}",
            "started": h,
            "duration_s": 1.0,
            "options": {"errors": h, "report_detail": h},
        },
        "totals": totals,
        "truncated": [],
        "files": records,
    }
    preview = {
        "changed_lines": 1,
        "lines": [{"n": 1, "segs": [f"text{h}", ["convert", f"{h}", "x"], ["fix", "著", "着", f"reason{h}"]]}],
    }
    return report, {records[0]["path"]: preview}


def test_every_corpus_string_is_escaped_and_shown_visibly(tmp_path: Path):
    report, previews = hostile_report()
    for page in (
        render_html(report, previews),
        render_html(report, {p: html_report.prerender(v) for p, v in previews.items()}),
    ):
        assert "<img" not in page
        assert not RAW_CONTROLS.search(page)  # no raw escape, bell or direction override anywhere
        shown = (
            '&lt;img src=x onerror=alert(1)&gt;<span class="ctl">\\u202e</span>txt.exe<span class="ctl">\\x1b</span>'
        )
        # path (table, review list, detail), reasons of the failed and the skipped file, flag kind/text/reason,
        # preview text and edits, mappings, annotations, run paths: each escaped, none raw
        for where in (
            f"a{shown}",
            f"b{shown}",
            f"c{shown}",
            f"cannot decode {shown}",
            f"binary {shown}",
            f"flag{shown}",
            f"why{shown}",
            f"text{shown}",
            f"reason{shown}",
            f"src{shown}",
            f"dst{shown}",
        ):
            assert where in page, where
        assert page.count("<script>") == 1  # the page's own
        assert '<bdi class="p">a&lt;img' in page  # names isolated from the text around them


#: The files table's loop as the page's template wrote it before FileTable.rows_pieces did (Jinja2,
#: autoescaped): the Python rows must come out byte for byte the same.
ROWS_TEMPLATE = (
    """{%- macro path(p) %}<bdi class="p">{{ p | visible }}</bdi>{% endmacro -%}"""
    """{%- for r in rows %}\n<tr data-p="{{ r.record.path | visible_text }}" data-s="{{ r.record.status }}" """
    """data-k="{{ r.kinds }}" data-r="{{ r.review }}"{% if loop.index0 >= page_rows %} hidden{% endif %}><td>"""
    """{% if r.anchor %}<button type="button" class="go" data-go="{{ r.anchor }}" title="show its lines">"""
    """{{ path(r.record.path) }}</button>{% else %}{{ path(r.record.path) }}{% endif %}</td><td>"""
    """<span class="chip st-{{ r.record.status }}">{{ r.record.status }}</span>{% if r.record.get("reused") %} """
    """<span title="up to date: taken from the last run, not redone">↺</span>{% endif %}</td>"""
    """<td>{{ r.record.get("encoding") or "" }}</td><td>{{ r.script }}</td><td class="num">{{ r.annotations }}</td>"""
    """<td class="num">{{ r.conversions }}</td><td class="num">{{ r.other }}</td><td class="num">{{ r.flags }}</td>"""
    """<td><bdi>{{ r.note | visible }}</bdi></td></tr>{%- endfor %}"""
)


def test_the_files_table_rows_are_what_the_template_wrote():
    """Hostile names, reasons and kinds; anchored, reused, failed, unchanged and skipped files; more rows
    than a page (the rest hidden), added in any order: the rows built in Python equal the template's,
    byte for byte, the weightiest first and in path order within a weight."""
    report, _ = hostile_report()
    h = HOSTILE
    plain = {"path": "d.txt", "status": "unchanged", "reused": True, "bytes_in": 1, "encoding": "big5-hkscs"}
    re_encoded = {**plain, "path": "e.txt", "status": "changed", "encoding": None, "edit_counts": {}}
    kinds = {**report["files"][0], "path": "f'\".txt", "edit_counts": {f"nfc+convert{h}": 2, "annotation": 3}}
    records = report["files"] + [plain, re_encoded, kinds] + [{**plain, "path": f"g{i}.txt"} for i in range(PAGE_ROWS)]
    weighted = sorted(((review.review_weight(r), r) for r in records), key=lambda wr: (-wr[0], wr[1]["path"]))
    anchors = {records[0]["path"]: "d0", "f'\".txt": "d1"}
    rows = [file_table.row(r, anchors.get(r["path"]), w) for w, r in weighted]
    template = html_report._environment().from_string(ROWS_TEMPLATE)
    expected = template.render(rows=rows, page_rows=PAGE_ROWS)
    table = FileTable.of(reversed(records))
    anchored = {r["path"]: (anchors[r["path"]], r) for r in records if r["path"] in anchors}
    assert "".join(table.rows_pieces(anchored)) == expected
    assert expected.count(" hidden>") == len(records) - PAGE_ROWS and "&lt;img" in expected


def test_a_run_with_hostile_names_gives_an_escaped_page(tmp_path: Path):
    name = "x<b>\u202etxt.exe\x1b[2J.txt"
    files = {name: "協會 <script>alert(1)</script>\n".encode(), "b\u202e.txt": bytes(range(0x80, 0x100)) * 8}
    src = make_tree(tmp_path / "raw", files)
    batch.run(src, tmp_path / "clean", RunOptions(jobs=1), report_dir=tmp_path / "rep")
    page = (tmp_path / "rep" / "report.html").read_text("utf-8")
    assert not RAW_CONTROLS.search(page) and "x<b>" not in page and "<script>alert" not in page
    # a run lists names already made printable (normalizer.escapes.printable), so the page shows
    # them as report.json stores them: escaped once, the markup escaped, isolated in <bdi>
    assert 'x&lt;b&gt;\\u202etxt.exe\\x1b[2J.txt' in page
    assert '<bdi class="p">b\\u202e.txt</bdi>' in page  # the failed file, in the review list


def test_the_review_list_puts_errors_then_flags_then_fixes_first():
    report, _ = hostile_report()
    order = sorted(report["files"], key=lambda r: -review.review_weight(r))
    assert [r["status"] for r in order] == ["error", "changed", "skipped"]
    assert review.review_reasons(order[1])[0]["text"].startswith("flag mojibake")
    assert review.review_weight(order[2]) == 0


# --- in a real browser ------------------------------------------------------------------


def _browser_binaries() -> tuple[str | None, str | None]:
    """Debian's chromium and its driver; installed first when missing and this is a Debian machine
    where we are root (as .ci/run does), so the README's test command works on a fresh machine."""
    if not (shutil.which("chromium") and shutil.which("chromedriver")) and shutil.which("apt-get"):
        if os.geteuid() == 0:
            env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            subprocess.run(["apt-get", "update", "-qq"], env=env, check=False, timeout=600)
            install = ["apt-get", "install", "-y", "-qq", "chromium", "chromium-driver"]
            subprocess.run(install, env=env, check=False, timeout=1200, stdout=subprocess.DEVNULL)
    return shutil.which("chromium"), shutil.which("chromedriver")


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    binary, driver = _browser_binaries()
    assert binary and driver, "needs Debian's chromium and chromium-driver: apt-get install chromium chromium-driver"
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    chrome = webdriver.Chrome(service=Service(driver), options=options)
    yield chrome
    chrome.quit()


@pytest.fixture(scope="module")
def real_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real run's report: 130 files (two pages), two with 著/着 fixes, one undecodable."""
    root = tmp_path_factory.mktemp("page")
    files = {f"{i:03}.txt": f"第{i}條新聞：協會開會。\n".encode() for i in range(127)}
    files["fix1.txt"] = "他帶著孩子們走著。\n".encode()
    files["fix2.txt"] = "我們看著遠方。\n".encode()
    files["bad.txt"] = bytes(range(0x80, 0x100)) * 8
    src = make_tree(root / "raw", files)
    batch.run(src, root / "clean", RunOptions(jobs=1), report_dir=root / "rep")
    return root / "rep" / "report.html"


def visible_rows(chrome) -> list[str]:
    return chrome.execute_script(
        "return Array.from(document.querySelectorAll('#all-files tbody tr')).filter(r=>!r.hidden)"
        ".map(r=>r.getAttribute('data-p'))"
    )


def test_the_page_works_in_a_browser_and_loads_nothing(browser, real_report: Path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.get(real_report.as_uri())
    assert browser.title.startswith("zhnorm report")
    # the review view: errors first, then the fixes; nothing else
    review = browser.find_element(By.ID, "review").text
    assert "Needs review (3 files)" in review and review.index("bad.txt") < review.index("fix1.txt")
    Select(browser.find_element(By.ID, "f-view")).select_by_value("review")
    assert visible_rows(browser) == ["bad.txt", "fix1.txt", "fix2.txt"]
    # a filter
    Select(browser.find_element(By.ID, "f-view")).select_by_value("")
    Select(browser.find_element(By.ID, "f-status")).select_by_value("error")
    assert visible_rows(browser) == ["bad.txt"]
    Select(browser.find_element(By.ID, "f-status")).select_by_value("")
    # pagination: every file reachable
    first = visible_rows(browser)
    assert len(first) == PAGE_ROWS and first[:3] == ["bad.txt", "fix1.txt", "fix2.txt"]
    assert browser.find_element(By.ID, "pg-info").text == "page 1 of 2"
    browser.find_element(By.ID, "pg-next").click()
    second = visible_rows(browser)
    assert len(second) == 130 - PAGE_ROWS and not set(first) & set(second)
    assert browser.find_element(By.ID, "pg-info").text == "page 2 of 2"
    # a path filter that matches nothing: a message, no empty table header
    box = browser.find_element(By.ID, "f-path")
    box.send_keys("no such file")
    assert browser.find_element(By.ID, "no-match").is_displayed()
    assert not browser.find_element(By.ID, "all-files").is_displayed()
    box.clear()
    box.send_keys("fix1")
    assert visible_rows(browser) == ["fix1.txt"]
    # before/after of a changed line, from the file needing review
    detail = browser.find_element(By.CSS_SELECTOR, "details.file")
    assert detail.find_element(By.CSS_SELECTOR, "code.p").text == "fix1.txt"
    assert not detail.find_element(By.CSS_SELECTOR, "tr.ba.before").is_displayed()
    assert "fix ×" in detail.find_element(By.CSS_SELECTOR, ".why").text  # the reason, on the line
    detail.find_element(By.CSS_SELECTOR, "button.ba-t").click()
    assert detail.find_element(By.CSS_SELECTOR, "tr.ba.before").text == "before 他帶著孩子們走著。"
    assert detail.find_element(By.CSS_SELECTOR, "tr.ba.after").text == "after 他带着孩子们走着。"
    # nothing requested but the page itself
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0
    requested = [
        json.loads(entry["message"])["message"]["params"]["request"]["url"]
        for entry in browser.get_log("performance")
        if '"Network.requestWillBeSent"' in entry["message"]
    ]
    assert requested and set(requested) == {real_report.as_uri()}


_SHOWN_APART = "&<>\"'\udc80\udcff\x00\x1b\x7f\x85\u061c\u200b\u202e\u2066\ufeff\t\n\r協 a"


@given(st.text(alphabet=st.one_of(st.sampled_from(_SHOWN_APART), st.characters())))
def test_visible_returns_text_unchanged_only_when_nothing_in_it_would_change(text: str):
    """The fast path of visible() and visible_text() (one search, text returned as is) gives what the
    three substitutions give, for text with and without each kind of character they change."""
    from html import escape

    from normalizer.escapes import escape_undecodable

    def marked(match: re.Match[str]) -> str:
        return f'<span class="ctl">{html_text.code(match.group())}</span>'

    html = html_text.INVISIBLE.sub(marked, escape(escape_undecodable(text), quote=True))
    assert html_text.visible(text) == html
    plain = html_text.INVISIBLE.sub(lambda m: html_text.code(m.group()), escape_undecodable(text))
    assert html_text.visible_text(text) == plain


@given(st.text(alphabet=st.one_of(st.sampled_from(_SHOWN_APART), st.characters())))
def test_markup_escapes_as_the_templates_autoescape_does(text: str):
    from markupsafe import escape

    assert html_text.markup(text) == str(escape(text))


def test_a_preview_escapes_the_undecodable_bytes_of_the_lines_that_have_them():
    """Pieces of a line are escaped only when the line holds an undecodable byte: both kinds of line
    in one file, each shown as report.json shows its text."""
    from normalizer import normalize_bytes
    from normalizer.report.preview import build_preview, source_line

    data = "協會\n".encode() + "會議".encode() + b"\xff\xfe" + "協議\n".encode()
    lines = build_preview(normalize_bytes(data, errors="replace"))["lines"]
    assert [source_line(line) for line in lines] == ["協會", "會議\\xff\\xfe協議"]
    assert not RAW_CONTROLS.search(str(lines)) and "\udcff" not in str(lines)
