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

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from functools import lru_cache
from typing import Any, NamedTuple

from .file_table import PAGE_ROWS, REVIEW_ROWS, FileTable, file_kinds, script_text
from .html_text import CHANGED, attribute, edit_class, kind_parts, number, visible, visible_text
from .preview import LINE_CHARS, PREVIEW_FILES, PREVIEW_LINES, Preview, output_line, source_line
from .review import review_weight

HTML_NAME = "report.html"
DETAIL_BYTES = 2_000_000  # HTML of line detail, all files together
# The page may load nothing at all: no fonts, images, scripts or connections.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'"
MAX_FLAGS = 20  # flags listed per detailed file
MAX_PROBLEMS = 100  # errors listed in the summary
TOP = 20  # entries in the "most frequent" lists


def _segment(text: str) -> str:
    return visible(text)


@lru_cache(maxsize=4096)
def _edit_segment(kind: str, before: str, after: str, reason: str = "") -> str:
    # Cached: a page's edits repeat (the detailed files of a 20 MB corpus show 73,000 edits
    # of 1,700 distinct conversions), and each takes three escapes and a format.
    cls = edit_class(kind)
    if cls == "an":
        title = reason or "annotation removed"
        out = f'<del class="ed an" title="{attribute(title)}">{visible(before)}</del>'
        if after:
            out += f'<ins class="ed an" title="{attribute(kind)}">{visible(after)}</ins>'
        return out
    # The original in the tooltip; the kind too unless the colour says it all (plain conversions, most edits).
    title = f"{before}→{after}" + (
        "" if kind == "convert" and not reason else f" ({kind}" + (f": {reason})" if reason else ")")
    )
    if not after:
        return f'<del class="ed {cls}" title="{attribute(title)}">{visible(before)}</del>'
    return f'<ins class="ed {cls}" title="{attribute(title)}">{visible(after)}</ins>'


MAX_REASONS = 4  # distinct reasons written under a line


def _reasons(edits: list[Any]) -> str:
    """The reasons of a line's edit segments that are not plain conversions, once each, under the line."""
    seen: Counter[tuple[str, str]] = Counter(
        (seg[0], seg[3] if len(seg) > 3 else "") for seg in edits if seg[0] != "convert" or len(seg) > 3
    )
    if not seen:
        return ""
    items = [
        f"<b>{visible(kind)}</b>{' ×' + number(count) if count > 1 else ''}"
        + (f": {visible(reason)}" if reason else "")
        for (kind, reason), count in list(seen.items())[:MAX_REASONS]
    ]
    if len(seen) > MAX_REASONS:
        items.append(f"… {number(len(seen) - MAX_REASONS)} more")
    return '<span class="why">' + " · ".join(items) + "</span>"


def render_line(entry: Mapping[str, Any]) -> str:
    """One changed line: the edits in place and their reasons; then the line before and after (hidden rows).

    When the source line holds nothing :func:`visible` would change (nearly always), neither do
    its pieces of unchanged text, which are then written as they are."""
    segs = entry["segs"]
    edits = [seg for seg in segs if seg.__class__ is not str]  # a segment is a string or a list
    before, after = source_line(entry), output_line(entry)
    text = str if CHANGED.search(before) is None else _segment
    body = "".join([text(seg) if seg.__class__ is str else _edit_segment(*seg[:4]) for seg in segs])
    if entry.get("head"):
        body = '<span class="cut" title="line cut">…</span>' + body
    if entry.get("tail"):
        body += '<span class="cut" title="line cut">…</span>'
    if entry.get("hidden"):
        body += f' <span class="more">(+{number(entry["hidden"])} more edits on this line)</span>'
    return (
        f'<tr class="ln"><th><button type="button" class="ba-t" title="before / after">{entry["n"]}</button></th>'
        f"<td>{body}{_reasons(edits)}</td></tr>"
        f'<tr class="ba before" hidden><th>before</th><td>{visible(before)}</td></tr>'
        f'<tr class="ba after" hidden><th>after</th><td>{visible(after)}</td></tr>'
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
        "".join(f'<span class="chip {cls}">{visible(k)} <b>{number(v)}</b></span>' for k, v in items)
        or '<span class="none">none</span>'
    )


def _top(counts: Mapping[str, int], n: int = TOP) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def _summary(report: Mapping[str, Any], table: FileTable) -> list[tuple[str, Any]]:
    """The rows of the run's summary table, as (label, HTML)."""
    from markupsafe import Markup

    t, removed = report["totals"], table.removed()
    maps = t.get("mappings", {})  # the whole run's, every change
    converted = sum(sum(h.values()) for kind, h in maps.items() if "convert" in kind_parts(kind))
    edits = sum(n for kind, n in t["edit_counts"].items() if "convert" in kind_parts(kind))
    conv = f"{number(converted)} characters <small>({number(edits)} conversion edits)</small>"
    top_conv = Counter({k: v for kind, h in maps.items() if "convert" in kind_parts(kind) for k, v in h.items()})
    others = Counter(
        {f"{k} ({kind})": v for kind, h in maps.items() if "convert" not in kind_parts(kind) for k, v in h.items()}
    )
    status = "".join(
        f'<span class="chip st-{s}">{s} <b>{number(t[s])}</b></span>'
        for s in ("changed", "unchanged", "skipped", "error")
    )
    rows = [
        (
            "files",
            f"{status} <small>{number(t['files'])} in all; {number(t['written'])} written, "
            f"{number(t['reused'])} up to date (↺, not redone)</small>",
        ),
        ("bytes", f"{number(t['bytes_in'])} in → {number(t['bytes_out'])} out"),
        ("annotations removed", f"<b>{number(t['annotations'])}</b> " + _chips_html(removed.most_common(TOP), "an")),
        ("characters converted", conv + "<br>" + _chips_html(top_conv.most_common(TOP), "cv")),
    ]
    if others:
        rows.append(("other edits", _chips_html(others.most_common(TOP))))
    rows.append(("flags (left as is)", _chips_html(_top(t["flags"]), "fl")))
    if report.get("truncated"):
        rows.append(
            (
                "report.json",
                "detail dropped to stay smaller than the corpus: " + visible(", ".join(report["truncated"])),
            )
        )
    return [(label, Markup(html)) for label, html in rows]


def _charts(report: Mapping[str, Any], table: FileTable) -> dict[str, list[dict[str, Any]]]:
    kinds: Counter[str] = Counter()
    for kind, n in report["totals"]["edit_counts"].items():
        kinds[kind] += n
    return {
        "kinds": _bars(kinds, lambda k: _COLORS[edit_class(k)]),
        "encodings": _bars(table.encodings, lambda k: "#9bbcf2"),
        "scripts": _bars(table.scripts, lambda k: "#a8d5a8"),
    }


def _detail(record: Mapping[str, Any], shown_lines: ShownLines, src: str, anchor: str) -> dict[str, Any]:
    from markupsafe import Markup

    _, preview, lines, shown = shown_lines
    flags = record.get("flags") or []
    return {
        "record": record,
        "anchor": anchor,
        "kinds": file_kinds(record),
        "review": 1 if review_weight(record) else 0,
        "meta": " · ".join(x for x in (record.get("encoding") or "", script_text(record)) if x),
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


class ShownLines(NamedTuple):
    """A file the page shows with its lines: its path, preview, the lines' HTML and their number."""

    path: str
    preview: Mapping[str, Any]
    lines: str
    shown: int


def shown_in_detail(
    paths: Iterable[str], preview_of: Callable[[str], Mapping[str, Any] | None]
) -> tuple[list[ShownLines], bool]:
    """The files of ``paths`` (in review order) the page shows with their lines, and whether the
    HTML budget stopped them: those whose preview (``preview_of(path)``, asked in turn) has lines,
    at most ``PREVIEW_FILES`` of them, within ``DETAIL_BYTES`` of lines (the first one always).

    The one rule for it: the page follows it, and a run completing the previews of files reused
    from its manifest follows it too, so that it makes no preview the page would not show."""
    shown: list[ShownLines] = []
    size = 0
    for path in paths:
        preview = preview_of(path)
        if not preview or not (preview.get("shown") if "html" in preview else preview.get("lines")):
            continue
        if len(shown) >= PREVIEW_FILES:
            break
        lines, count = _rows_html(preview)
        if size + len(lines) > DETAIL_BYTES and shown:
            return shown, True
        shown.append(ShownLines(path, preview, lines, count))
        size += len(lines)
    return shown, False


def _details(
    records: Mapping[str, Mapping[str, Any]], previews: Mapping[str, Preview | dict[str, Any] | None], src: str
) -> tuple[list[dict[str, Any]], bool]:
    """The detail sections of the files with a preview (``records``: theirs, at least), in review
    order (the weightiest first, then by path), within the page's budget (:func:`shown_in_detail`),
    and whether that budget stopped them."""
    order = sorted((p for p in previews if p in records), key=lambda p: (-review_weight(records[p]), p))
    shown, budget_hit = shown_in_detail(order, previews.get)
    return [_detail(records[item.path], item, src, f"d{i}") for i, item in enumerate(shown)], budget_hit


def _notice(shown: int, with_edits: int, budget_hit: bool) -> str:
    """What the page shows with its lines, in one sentence."""
    caps = [
        f"{number(shown)} of {number(with_edits)} files with edits are shown with their changed lines"
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
        f"<bdi><code>{visible(src)}</code></bdi> → <bdi><code>{visible(run.get('dst', ''))}</code></bdi> · "
        f"{visible(run.get('started', ''))} · {run.get('duration_s', 0):.1f} s · "
        f"zhnorm {visible(tool.get('version', ''))}, "
        f"OpenCC {visible(tool.get('opencc', ''))} · errors={visible(options.get('errors', ''))}, "
        f"detail={visible(options.get('report_detail', ''))}" + (" · <b>dry run</b>" if options.get("dry_run") else "")
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
    env.filters["n"] = number
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
    files = report["files"]
    records = {r["path"]: r for r in files if r["path"] in previews}
    return render_page(report, FileTable.of(files), records, previews)


#: Where the files table's rows go in the rendered template: no text of the page holds a NUL
#: (:func:`normalizer.report.html_text.visible` writes it as an escape).
_ROWS = "\x00rows\x00"


def render_page(
    head: Mapping[str, Any],
    table: FileTable,
    records: Mapping[str, Mapping[str, Any]],
    previews: Mapping[str, Preview | dict[str, Any] | None],
) -> str:
    """:func:`render_html` from a report's ``head`` (everything but "files"), the :class:`FileTable`
    of its files and the records of the files with a preview, which the page shows in detail."""
    return "".join(page_pieces(head, table, records, previews))


def page_pieces(
    head: Mapping[str, Any],
    table: FileTable,
    records: Mapping[str, Mapping[str, Any]],
    previews: Mapping[str, Preview | dict[str, Any] | None],
) -> Iterator[str]:
    """:func:`render_page` in pieces, to be written one after the other: the rows of a large
    run's files table (~0.4 KB a file) are never all in one string."""
    from importlib.resources import files as package_files

    from markupsafe import Markup

    src = str(head.get("run", {}).get("src", "SRC"))
    details, budget_hit = _details(records, previews, src)
    anchors = {d["record"]["path"]: d["anchor"] for d in details}
    review = [{"path": path, "why": why, "anchor": anchors.get(path)} for _, path, why in table.review]
    kinds = sorted(table.kinds) + (["flag"] if table.flagged else [])
    templates = package_files(__package__) / "templates"
    page = load_template().render(
        csp=Markup(_CSP),  # a constant: single quotes inside a double-quoted attribute
        css=Markup(templates.joinpath("report.css").read_text("utf-8")),
        js=Markup(templates.joinpath("report.js").read_text("utf-8")),
        src=src,
        subtitle=_subtitle(head, src),
        charts=_charts(head, table),
        summary=_summary(head, table),
        review=review,
        review_count=table.review_count,
        review_rows=REVIEW_ROWS,
        notice=_notice(len(details), table.with_edits, budget_hit),
        totals=head["totals"],
        statuses=("changed", "unchanged", "skipped", "error"),
        kinds=kinds,
        details=details,
        rows=Markup(_ROWS),
        page_rows=PAGE_ROWS,
    )
    before, after = page.split(_ROWS)
    yield before
    yield from table.rows_pieces({d["record"]["path"]: (d["anchor"], d["record"]) for d in details})
    yield after
