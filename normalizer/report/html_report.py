"""The run report as one self-contained HTML page (``report.html`` next to ``report.json``).

Review first: small charts of the run (edits by kind, encodings, scripts), then the
files a person should look at ("needs review": errors, flags, replaced bytes, fixes),
then each detailed file's changed lines (those needing review first) with every edit
in place, the reasons of the edits that are not plain conversions written under the
line, and the line before and after on a click; conversions are shown quietly unless
asked. Every file has a row in one table, ordered by what needs review, paginated in
the page (none is dropped), with filters by view, status, edit kind and path.

Built from Jinja2 templates (``templates/``) with autoescaping: every value from the
corpus or the run is escaped by default, and shown visibly when it holds control or
text-direction characters (:func:`visible`), inside ``<bdi>`` so that right-to-left
text cannot reorder what surrounds it. The changed lines are rendered by
:func:`render_line` (in the workers, see :func:`prerender`) with the same escaping.

Self-contained on purpose: inline CSS, SVG and JavaScript, nothing loaded from
anywhere (a Content-Security-Policy forbids it), so the page can be mailed, archived
or opened offline. Bounded so that a 10,000-file corpus still opens quickly: line
detail for at most ``PREVIEW_FILES`` files, ``PREVIEW_LINES`` changed lines per file,
``LINE_CHARS`` characters per line (:mod:`normalizer.report.preview`) and
``DETAIL_BYTES`` of such detail. It is imported only when a report is written.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from functools import lru_cache
from html import escape
from typing import Any

from ..escapes import escape_undecodable
from .preview import LINE_CHARS, PREVIEW_FILES, PREVIEW_LINES, Preview, output_line, source_line
from .review import review_reasons, review_weight

HTML_NAME = "report.html"
DETAIL_BYTES = 2_000_000  # HTML of line detail, all files together
PAGE_ROWS = 100  # rows of the files table per page
REVIEW_ROWS = 50  # files listed in the "needs review" section (the view in the table has them all)
# The page may load nothing at all: no fonts, images, scripts or connections.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"
MAX_FLAGS = 20  # flags listed per detailed file
MAX_PROBLEMS = 100  # errors listed in the summary
TOP = 20  # entries in the "most frequent" lists

# Highlight class per edit kind; a merged kind ("nfc+convert") takes the first listed here it contains.
_CLASSES = (
    ("annotation", "an"),
    ("convert", "cv"),
    ("fix", "fx"),
    ("punctuation", "pu"),
    ("entity", "pu"),
    ("decode-replace", "rp"),
    ("surrogate", "rp"),
)


# Control characters (but tab, line feed and carriage return), DEL, C1 controls and the invisible marks that
# change text direction or joining: shown as ``\\xNN`` / ``\\uNNNN`` in their own colour.
_INVISIBLE_CHARS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff"
_INVISIBLE = re.compile(f"[{_INVISIBLE_CHARS}]")
# Every character :func:`visible` or :func:`visible_text` changes: the invisible ones, undecodable
# bytes (escapes.escape_undecodable) and what HTML escapes. Text without any (most Chinese text) is
# returned as it is after one search, instead of passing through three substitutions: a preview's
# line is some 40 pieces of text between edits, each shown through visible().
_CHANGED = re.compile(f"[{_INVISIBLE_CHARS}\udc00-\udcff&<>\"']")


def _code(ch: str) -> str:
    n = ord(ch)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}"


def visible_text(value: Any) -> str:
    """``value`` as text with undecodable bytes, controls and direction marks written as escapes (plain text)."""
    text = str(value)
    if not _CHANGED.search(text):
        return text
    return _INVISIBLE.sub(lambda m: _code(m.group()), escape_undecodable(text))


def visible(value: Any) -> str:
    """``value`` as HTML: escaped, with each control or direction character shown as a marked escape."""
    text = str(value)
    if not _CHANGED.search(text):
        return text
    text = escape(escape_undecodable(text), quote=True)
    return _INVISIBLE.sub(lambda m: f'<span class="ctl">{_code(m.group())}</span>', text)


def _e(value: Any) -> str:
    return visible(value)


def _n(value: int) -> str:
    return f"{value:,}"


def _t(value: Any) -> str:
    """An attribute value (a tooltip): escaped, invisible characters written as escapes."""
    return escape(visible_text(value), quote=True)


def _kinds(kind: str) -> list[str]:
    return kind.split("+")


def edit_class(kind: str) -> str:
    parts = set(_kinds(kind))
    return next((cls for name, cls in _CLASSES if name in parts), "ot")


def _segment(text: str) -> str:
    return visible(text)


@lru_cache(maxsize=4096)
def _edit_segment(kind: str, before: str, after: str, reason: str = "") -> str:
    # Cached: a page's edits repeat (the detailed files of a 20 MB corpus show 73,000 edits
    # of 1,700 distinct conversions), and each takes three escapes and a format.
    cls = edit_class(kind)
    if cls == "an":
        title = reason or "annotation removed"
        out = f'<del class="ed an" title="{_t(title)}">{_e(before)}</del>'
        if after:
            out += f'<ins class="ed an" title="{_t(kind)}">{_e(after)}</ins>'
        return out
    # The original in the tooltip; the kind too unless the colour says it all (plain conversions, most edits).
    title = f"{before}→{after}" + (
        "" if kind == "convert" and not reason else f" ({kind}" + (f": {reason})" if reason else ")")
    )
    if not after:
        return f'<del class="ed {cls}" title="{_t(title)}">{_e(before)}</del>'
    return f'<ins class="ed {cls}" title="{_t(title)}">{_e(after)}</ins>'


MAX_REASONS = 4  # distinct reasons written under a line


def _reasons(edits: list[Any]) -> str:
    """The reasons of a line's edit segments that are not plain conversions, once each, under the line."""
    seen: Counter[tuple[str, str]] = Counter(
        (seg[0], seg[3] if len(seg) > 3 else "") for seg in edits if seg[0] != "convert" or len(seg) > 3
    )
    if not seen:
        return ""
    items = [
        f"<b>{_e(kind)}</b>{' ×' + _n(count) if count > 1 else ''}" + (f": {_e(reason)}" if reason else "")
        for (kind, reason), count in list(seen.items())[:MAX_REASONS]
    ]
    if len(seen) > MAX_REASONS:
        items.append(f"… {_n(len(seen) - MAX_REASONS)} more")
    return '<span class="why">' + " · ".join(items) + "</span>"


def render_line(entry: Mapping[str, Any]) -> str:
    """One changed line: the edits in place and their reasons; then the line before and after (hidden rows).

    When the source line holds nothing :func:`visible` would change (nearly always), neither do
    its pieces of unchanged text, which are then written as they are."""
    segs = entry["segs"]
    edits = [seg for seg in segs if seg.__class__ is not str]  # a segment is a string or a list
    before, after = source_line(entry), output_line(entry)
    text = str if _CHANGED.search(before) is None else _segment
    body = "".join([text(seg) if seg.__class__ is str else _edit_segment(*seg[:4]) for seg in segs])
    if entry.get("head"):
        body = '<span class="cut" title="line cut">…</span>' + body
    if entry.get("tail"):
        body += '<span class="cut" title="line cut">…</span>'
    if entry.get("hidden"):
        body += f' <span class="more">(+{_n(entry["hidden"])} more edits on this line)</span>'
    return (
        f'<tr class="ln"><th><button type="button" class="ba-t" title="before / after">{entry["n"]}</button></th>'
        f"<td>{body}{_reasons(edits)}</td></tr>"
        f'<tr class="ba before" hidden><th>before</th><td>{_e(before)}</td></tr>'
        f'<tr class="ba after" hidden><th>after</th><td>{_e(after)}</td></tr>'
    )


def prerender(preview: Preview) -> dict[str, Any]:
    """A preview with its lines already rendered, as :func:`render_html` takes it too:
    ``{"changed_lines": n, "shown": lines shown, "html": the rows}``.

    The batch run's workers render the previews they make, so that the main process
    neither unpickles their segments nor renders them while the workers wait.
    """
    return {
        "changed_lines": preview["changed_lines"],
        "shown": len(preview["lines"]),
        "html": "".join([render_line(entry) for entry in preview["lines"]]),
    }


def _rows_html(preview: Mapping[str, Any]) -> tuple[str, int]:
    """(the rendered lines, how many) of a preview, rendered now or by :func:`prerender`."""
    if "html" in preview:
        return preview["html"], preview["shown"]
    return "".join([render_line(entry) for entry in preview["lines"]]), len(preview["lines"])


# --- pieces of the page ---------------------------------------------------------------


def _file_kinds(record: Mapping[str, Any]) -> str:
    kinds = {k for kind in record.get("edit_counts", {}) for k in _kinds(kind)}
    if record.get("flag_counts"):
        kinds.add("flag")
    return " ".join(sorted(kinds))


def _script(record: Mapping[str, Any]) -> str:
    s = record.get("script")
    if not s:
        return ""
    share = max(s["traditional_share"], s["simplified_share"])
    return f"{s['verdict']} {share:.0%}" if s["verdict"] in ("traditional", "simplified") else s["verdict"]


def _note(record: Mapping[str, Any]) -> str:
    if record.get("reason"):
        return record["reason"]
    if record["status"] == "changed" and not record.get("edit_counts"):
        return f"re-encoded from {record.get('encoding')}, no text edits"
    return ""


def _conversions(record: Mapping[str, Any]) -> int:
    return sum(n for kind, n in record.get("edit_counts", {}).items() if "convert" in _kinds(kind))


def _annotations(record: Mapping[str, Any]) -> int:
    return sum(g[2] for g in record.get("annotations", ()))


# --- the page ---------------------------------------------------------------------------

_COLORS = {"an": "#e89a94", "cv": "#8fcf9b", "fx": "#f0c35e", "pu": "#a99cec", "rp": "#9a9a9a", "ot": "#c8c8c8"}
CHART_BARS = 8


def _bars(counts: Mapping[str, int], color: Any) -> list[dict[str, Any]]:
    """The largest ``CHART_BARS`` counts as bars of a small SVG chart (200 px for the largest)."""
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:CHART_BARS]
    top = max((v for _, v in items), default=0) or 1
    return [{"label": k[:16], "count": v, "width": max(1, round(200 * v / top)), "color": color(k)} for k, v in items]


def _chips_html(items: list[tuple[str, int]], cls: str = "") -> str:
    return (
        "".join(f'<span class="chip {cls}">{_e(k)} <b>{_n(v)}</b></span>' for k, v in items)
        or '<span class="none">none</span>'
    )


def _top(counts: Mapping[str, int], n: int = TOP) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def _summary(report: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The rows of the run's summary table, as (label, HTML)."""
    from markupsafe import Markup

    t, files = report["totals"], report["files"]
    removed: Counter[str] = Counter()
    for r in files:
        for before, _after, count, *_ in r.get("annotations", ()):
            removed[before] += count
    maps = t.get("mappings", {})  # the whole run's, every change
    converted = sum(sum(h.values()) for kind, h in maps.items() if "convert" in _kinds(kind))
    edits = sum(n for kind, n in t["edit_counts"].items() if "convert" in _kinds(kind))
    conv = f"{_n(converted)} characters <small>({_n(edits)} conversion edits)</small>"
    top_conv = Counter({k: v for kind, h in maps.items() if "convert" in _kinds(kind) for k, v in h.items()})
    others = Counter(
        {f"{k} ({kind})": v for kind, h in maps.items() if "convert" not in _kinds(kind) for k, v in h.items()}
    )
    status = "".join(
        f'<span class="chip st-{s}">{s} <b>{_n(t[s])}</b></span>' for s in ("changed", "unchanged", "skipped", "error")
    )
    rows = [
        (
            "files",
            f"{status} <small>{_n(t['files'])} in all; {_n(t['written'])} written, "
            f"{_n(t['reused'])} up to date (↺, not redone)</small>",
        ),
        ("bytes", f"{_n(t['bytes_in'])} in → {_n(t['bytes_out'])} out"),
        ("annotations removed", f"<b>{_n(t['annotations'])}</b> " + _chips_html(removed.most_common(TOP), "an")),
        ("characters converted", conv + "<br>" + _chips_html(top_conv.most_common(TOP), "cv")),
    ]
    if others:
        rows.append(("other edits", _chips_html(others.most_common(TOP))))
    rows.append(("flags (left as is)", _chips_html(_top(t["flags"]), "fl")))
    if report.get("truncated"):
        rows.append(
            ("report.json", "detail dropped to stay smaller than the corpus: " + _e(", ".join(report["truncated"])))
        )
    return [(label, Markup(html)) for label, html in rows]


def _charts(report: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    files = report["files"]
    encodings = Counter(r["encoding"] for r in files if r["status"] in ("changed", "unchanged") and r.get("encoding"))
    scripts = Counter(r["script"]["verdict"] for r in files if r.get("script"))
    kinds: Counter[str] = Counter()
    for kind, n in report["totals"]["edit_counts"].items():
        kinds[kind] += n
    return {
        "kinds": _bars(kinds, lambda k: _COLORS[edit_class(k)]),
        "encodings": _bars(encodings, lambda k: "#9bbcf2"),
        "scripts": _bars(scripts, lambda k: "#a8d5a8"),
    }


def _row(record: Mapping[str, Any], anchor: str | None, weight: int) -> dict[str, Any]:
    """The cells of ``record``'s row in the files table (``weight``: its review weight), as text."""
    edits = record.get("edit_counts")
    other = sum(n for kind, n in (edits or {}).items() if not {"annotation", "convert"} & set(_kinds(kind)))
    return {
        "record": record,
        "anchor": anchor,
        "kinds": _file_kinds(record),
        "review": 1 if weight else 0,
        "script": _script(record),
        "annotations": _n(_annotations(record)) if "annotations" in record else "",
        "conversions": _n(_conversions(record)) if edits is not None else "",
        "other": _n(other) if edits is not None else "",
        "flags": _n(sum(record["flag_counts"].values())) if "flag_counts" in record else "",
        "note": _note(record),
    }


def _row_html(row: Mapping[str, Any], hidden: bool) -> str:
    """One row of the files table, as the page's template wrote it (escaped as Jinja2's autoescape
    does: :func:`markupsafe.escape`), after a line break.

    Written here, not in the template: a page has a row per file (10,000 for a large corpus), and
    Jinja2 looks up and escapes each of their ~20 values apart, which took most of the page's time.
    """
    from markupsafe import escape

    record = row["record"]
    path, status, anchor = record["path"], escape(record["status"]), row["anchor"]
    shown = f'<bdi class="p">{visible(path)}</bdi>'
    if anchor:
        shown = f'<button type="button" class="go" data-go="{escape(anchor)}" title="show its lines">{shown}</button>'
    reused = ' <span title="up to date: taken from the last run, not redone">↺</span>' if record.get("reused") else ""
    cells = "".join(
        f'<td class="num">{escape(row[name])}</td>' for name in ("annotations", "conversions", "other", "flags")
    )
    return (
        f'\n<tr data-p="{escape(visible_text(path))}" data-s="{status}" data-k="{escape(row["kinds"])}" '
        f'data-r="{row["review"]}"{" hidden" if hidden else ""}><td>{shown}</td>'
        f'<td><span class="chip st-{status}">{status}</span>{reused}</td>'
        f"<td>{escape(record.get('encoding') or '')}</td><td>{escape(row['script'])}</td>{cells}"
        f"<td><bdi>{visible(row['note'])}</bdi></td></tr>"
    )


def _table_rows(weighted: list[tuple[int, Mapping[str, Any]]], anchors: Mapping[str, str]) -> str:
    """Every row of the files table (``weighted``: (review weight, record) in the table's order); rows
    past the first ``PAGE_ROWS`` are hidden (the page's script pages through them)."""
    return "".join(
        _row_html(_row(r, anchors.get(r["path"]), weight), i >= PAGE_ROWS) for i, (weight, r) in enumerate(weighted)
    )


def _detail(record: Mapping[str, Any], preview: Mapping[str, Any], src: str, anchor: str) -> dict[str, Any]:
    from markupsafe import Markup

    lines, shown = _rows_html(preview)
    flags = record.get("flags") or []
    return {
        "record": record,
        "anchor": anchor,
        "kinds": _file_kinds(record),
        "review": 1 if review_weight(record) else 0,
        "meta": " · ".join(x for x in (record.get("encoding") or "", _script(record)) if x),
        "edit_chips": _top(record.get("edit_counts", {}), 99),
        "flag_total": sum((record.get("flag_counts") or {}).values()),
        "flags": flags[:MAX_FLAGS],
        "more_flags": max(0, len(flags) - MAX_FLAGS),
        "lines": Markup(lines),
        "shown": shown,
        "total": preview["changed_lines"],
        "more_lines": max(0, preview["changed_lines"] - shown),
        "diff_path": src.rstrip("/") + "/" + record["path"],
    }


def _details(
    ordered: list[Mapping[str, Any]], previews: Mapping[str, Preview | dict[str, Any] | None], src: str
) -> tuple[list[dict[str, Any]], bool]:
    """The detail sections of the files with a preview (in review order) within ``DETAIL_BYTES``, and
    whether that budget stopped them."""
    details: list[dict[str, Any]] = []
    size = 0
    for r in ordered:
        preview = previews.get(r["path"])
        if not preview or not (preview.get("shown") if "html" in preview else preview.get("lines")):
            continue
        if len(details) >= PREVIEW_FILES:
            break
        detail = _detail(r, preview, src, f"d{len(details)}")
        if size + len(detail["lines"]) > DETAIL_BYTES and details:
            return details, True
        details.append(detail)
        size += len(detail["lines"])
    return details, False


def _notice(shown: int, with_edits: int, budget_hit: bool) -> str:
    """What the page shows with its lines, in one sentence."""
    caps = [
        f"{_n(shown)} of {_n(with_edits)} files with edits are shown with their changed lines"
        + (" (those needing review first, then in path order)" if shown < with_edits else ""),
        f"at most {PREVIEW_LINES} changed lines per file and {LINE_CHARS} characters per line (… marks cut text)",
    ]
    if budget_hit:
        caps.append(f"line detail stopped at {DETAIL_BYTES // 1_000_000} MB of HTML")
    return "; ".join(caps) + (
        ". Every file has a row in the table below; report.json has every file's counts and annotation removals; "
        "zhnorm diff FILE shows every edit of one file."
    )


def _subtitle(report: Mapping[str, Any], src: str) -> str:
    from markupsafe import Markup

    run, tool = report.get("run", {}), report.get("tool", {})
    options = run.get("options", {})
    return Markup(
        f"<bdi><code>{_e(src)}</code></bdi> → <bdi><code>{_e(run.get('dst', ''))}</code></bdi> · "
        f"{_e(run.get('started', ''))} · {run.get('duration_s', 0):.1f} s · zhnorm {_e(tool.get('version', ''))}, "
        f"OpenCC {_e(tool.get('opencc', ''))} · errors={_e(options.get('errors', ''))}, "
        f"detail={_e(options.get('report_detail', ''))}" + (" · <b>dry run</b>" if options.get("dry_run") else "")
    )


@lru_cache(maxsize=1)
def _environment() -> Any:
    """The Jinja2 environment of the page's templates (package data), autoescaping everything."""
    from importlib.resources import files

    import jinja2
    from markupsafe import Markup

    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: (files(__package__) / "templates" / name).read_text("utf-8")),
        autoescape=True,
        trim_blocks=False,
    )
    env.filters["visible"] = lambda value: Markup(visible(value))
    env.filters["visible_text"] = visible_text
    env.filters["n"] = _n
    return env


#: The page's template (package data, ``templates/``).
PAGE_TEMPLATE = "report.html.j2"


def load_template() -> Any:
    """The page's template, compiled: Jinja2 imported and the template compiled on the first call
    (~60 ms), kept by the environment for the later ones.

    A run with a pool calls this while its workers warm up and this process would only wait, so
    that the page, written after the last file while the workers are done, is written sooner.
    """
    return _environment().get_template(PAGE_TEMPLATE)


def render_html(report: Mapping[str, Any], previews: Mapping[str, Preview | dict[str, Any] | None]) -> str:
    """The whole page for a report document and the previews of (some of) its files.

    A preview may come rendered already (:func:`prerender`). The records may be
    summaries (:func:`normalizer.report.compact.summary`): the characters converted
    are counted from the run totals' histograms, which hold every change.
    """
    from importlib.resources import files as package_files

    from markupsafe import Markup

    files = report["files"]
    src = str(report.get("run", {}).get("src", "SRC"))
    weighted = sorted(((review_weight(r), r) for r in files), key=lambda wr: -wr[0])  # stable: path order within
    ordered = [r for _, r in weighted]
    details, budget_hit = _details(ordered, previews, src)
    anchors = {d["record"]["path"]: d["anchor"] for d in details}
    review = [{"record": r, "why": review_reasons(r), "anchor": anchors.get(r["path"])} for w, r in weighted if w]
    with_edits = sum(1 for r in files if r["status"] == "changed" and r.get("edit_counts"))
    kinds = sorted({k for r in files for kind in r.get("edit_counts", {}) for k in _kinds(kind)})
    if any(r.get("flag_counts") for r in files):
        kinds.append("flag")
    templates = package_files(__package__) / "templates"
    return load_template().render(
        csp=Markup(_CSP),  # a constant: single quotes inside a double-quoted attribute
        css=Markup(templates.joinpath("report.css").read_text("utf-8")),
        js=Markup(templates.joinpath("report.js").read_text("utf-8")),
        src=src,
        subtitle=_subtitle(report, src),
        charts=_charts(report),
        summary=_summary(report),
        review=review,
        review_rows=REVIEW_ROWS,
        notice=_notice(len(details), with_edits, budget_hit),
        totals=report["totals"],
        statuses=("changed", "unchanged", "skipped", "error"),
        kinds=kinds,
        details=details,
        rows=Markup(_table_rows(weighted, anchors)),
        page_rows=PAGE_ROWS,
    )
