"""The run report as one self-contained HTML page (``report.html`` next to ``report.json``).

For people: a summary of the run, then the changed lines of each file with every
edit highlighted in place (removed annotations struck through in red, converted
characters in green with the original in the tooltip, other edits in their own
colours), in collapsible sections, with filters by status, edit kind and path.

Self-contained on purpose: inline CSS and JavaScript, no fonts, images or scripts
from anywhere (a Content-Security-Policy forbids the page to load any), so the page
can be mailed, archived or opened offline. Every text from the corpus or the run is
escaped with :func:`html.escape`.

Bounded so that a 10,000-file corpus still gives a page a browser opens quickly:
line detail for at most ``PREVIEW_FILES`` files (the first ones with edits, in path
order), ``PREVIEW_LINES`` changed lines per file and ``LINE_CHARS`` characters per
line (see :mod:`normalizer.report.preview`), and at most ``DETAIL_BYTES`` of such
detail; every other file gets one compact row of counts (at most ``MAX_ROWS`` rows).
The page says which caps applied. Its data is the report document plus the previews
of the detailed files; it is imported only when a report is written.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from functools import lru_cache
from html import escape
from typing import Any

from .preview import LINE_CHARS, PREVIEW_FILES, PREVIEW_LINES, Preview

HTML_NAME = "report.html"
DETAIL_BYTES = 2_000_000  # HTML of line detail, all files together
MAX_ROWS = 20_000  # compact rows for the files without line detail
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


def _e(value: Any) -> str:
    return escape(str(value), quote=True)


def _n(value: int) -> str:
    return f"{value:,}"


def _kinds(kind: str) -> list[str]:
    return kind.split("+")


def edit_class(kind: str) -> str:
    parts = set(_kinds(kind))
    return next((cls for name, cls in _CLASSES if name in parts), "ot")


def _segment(text: str) -> str:
    return escape(text, quote=True)


@lru_cache(maxsize=4096)
def _edit_segment(kind: str, before: str, after: str, reason: str = "") -> str:
    # Cached: a page's edits repeat (the detailed files of a 20 MB corpus show 73,000 edits
    # of 1,700 distinct conversions), and each takes three escapes and a format.
    cls = edit_class(kind)
    if cls == "an":
        title = reason or "annotation removed"
        out = f'<del class="ed an" title="{_e(title)}">{_e(before)}</del>'
        if after:
            out += f'<ins class="ed an" title="{_e(kind)}">{_e(after)}</ins>'
        return out
    # The original in the tooltip; the kind too unless the colour says it all (plain conversions, most edits).
    title = f"{before}→{after}" + (
        "" if kind == "convert" and not reason else f" ({kind}" + (f": {reason})" if reason else ")")
    )
    if not after:
        return f'<del class="ed {cls}" title="{_e(title)}">{_e(before)}</del>'
    return f'<ins class="ed {cls}" title="{_e(title)}">{_e(after)}</ins>'


def render_line(entry: Mapping[str, Any]) -> str:
    body = "".join([_segment(s) if isinstance(s, str) else _edit_segment(*s[:4]) for s in entry["segs"]])
    if entry.get("head"):
        body = '<span class="cut" title="line cut">…</span>' + body
    if entry.get("tail"):
        body += '<span class="cut" title="line cut">…</span>'
    if entry.get("hidden"):
        body += f' <span class="more">(+{_n(entry["hidden"])} more edits on this line)</span>'
    return f"<tr><th>{entry['n']}</th><td>{body}</td></tr>"


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


def _chips(counts: Mapping[str, int], cls: str = "") -> str:
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return (
        "".join(f'<span class="chip {cls}">{_e(k)} <b>{_n(v)}</b></span>' for k, v in items)
        or '<span class="none">none</span>'
    )


def _kind_chips(counts: Mapping[str, int]) -> str:
    items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return "".join(f'<span class="chip k-{edit_class(k)}">{_e(k)} <b>{_n(v)}</b></span>' for k, v in items)


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


def _summary(report: Mapping[str, Any], converted: int | None = None) -> str:
    t = report["totals"]
    files = report["files"]
    encodings = Counter(r["encoding"] for r in files if r["status"] in ("changed", "unchanged") and r.get("encoding"))
    scripts = Counter(r["script"]["verdict"] for r in files if r.get("script"))
    removed: Counter[str] = Counter()
    for r in files:
        for before, _after, count, *_ in r.get("annotations", ()):
            removed[before] += count
    if converted is None:
        converted = 0
        for r in files:
            for kind, hist in r.get("mappings", {}).items():
                if "convert" in _kinds(kind):
                    converted += sum(hist.values())
    conversion_edits = sum(n for kind, n in t["edit_counts"].items() if "convert" in _kinds(kind))
    if "mappings" in report.get("truncated", ()):
        converted_text = (
            f"{_n(conversion_edits)} conversion edits <small>(per-character counts were dropped from report.json "
            "to keep it smaller than the corpus)</small>"
        )
    else:
        converted_text = f"{_n(converted)} characters <small>({_n(conversion_edits)} conversion edits)</small>"
    status = "".join(
        f'<span class="chip st-{s}">{s} <b>{_n(t[s])}</b></span>' for s in ("changed", "unchanged", "skipped", "error")
    )
    top_conv = {
        k: v for kind, hist in t.get("mappings", {}).items() if "convert" in _kinds(kind) for k, v in hist.items()
    }
    others = {
        f"{k} ({kind})": v
        for kind, hist in t.get("mappings", {}).items()
        if "convert" not in _kinds(kind)
        for k, v in hist.items()
    }
    rows = [
        (
            "files",
            f"{status} <small>{_n(t['files'])} in all; {_n(t['written'])} written, "
            f"{_n(t['reused'])} up to date (not redone)</small>",
        ),
        ("bytes", f"{_n(t['bytes_in'])} in → {_n(t['bytes_out'])} out"),
        ("encodings", _chips(encodings)),
        ("scripts (input)", _chips(scripts)),
        ("edits", _kind_chips(t["edit_counts"]) or '<span class="none">none</span>'),
        ("annotations removed", f"<b>{_n(t['annotations'])}</b> " + _chips(dict(removed.most_common(TOP)), "an")),
        ("characters converted", converted_text + "<br>" + _chips(dict(Counter(top_conv).most_common(TOP)), "cv")),
    ]
    if others:
        rows.append(("other edits", _chips(dict(Counter(others).most_common(TOP)))))
    rows.append(("flags (left as is)", _chips(t["flags"], "fl")))
    if report.get("truncated"):
        rows.append(
            ("report.json", "detail dropped to stay smaller than the corpus: " + _e(", ".join(report["truncated"])))
        )
    body = "".join(f"<tr><th>{_e(k)}</th><td>{v}</td></tr>" for k, v in rows)
    problems = [r for r in files if r["status"] == "error"]
    extra = ""
    if problems:
        items = "".join(f"<li><code>{_e(r['path'])}</code>: {_e(r['reason'])}</li>" for r in problems[:MAX_PROBLEMS])
        more = (
            f"<li>… and {_n(len(problems) - MAX_PROBLEMS)} more (see the table below)</li>"
            if len(problems) > MAX_PROBLEMS
            else ""
        )
        extra = f'<div class="problems"><h3>Errors ({_n(len(problems))}) — not written</h3><ul>{items}{more}</ul></div>'
    return f'<section id="summary"><h2>Summary</h2><table class="sum">{body}</table>{extra}</section>'


def _detail(record: Mapping[str, Any], preview: Preview, src: str, open_: bool) -> str:
    path = record["path"]
    badges = f'<span class="chip st-{record["status"]}">{record["status"]}</span>'
    if record.get("reused"):
        badges += '<span class="chip">up to date</span>'
    meta = " · ".join(x for x in (record.get("encoding") or "", _script(record)) if x)
    head = (
        f'<summary><code class="p">{_e(path)}</code> {badges} <span class="meta">{_e(meta)}</span> '
        f"{_kind_chips(record.get('edit_counts', {}))}"
        + (
            f'<span class="chip k-fl">flags <b>{_n(sum(record["flag_counts"].values()))}</b></span>'
            if record.get("flag_counts")
            else ""
        )
        + "</summary>"
    )
    lines, shown = _rows_html(preview)
    total = preview["changed_lines"]
    more = ""
    if total > shown:
        more = (
            f'<p class="more">{_n(total - shown)} more changed lines not shown (the first {shown} of {_n(total)}); '
            f"<code>zhnorm diff {_e(src.rstrip('/') + '/' + path)}</code> shows them all.</p>"
        )
    flags = ""
    if record.get("flags"):
        items = "".join(
            f'<li>line {f["line"]}: <span class="chip k-fl">{_e(f["kind"])}</span> <mark>{_e(f["text"])}</mark> '
            f"<small>{_e(f['reason'])}</small></li>"
            for f in record["flags"][:MAX_FLAGS]
        )
        if len(record["flags"]) > MAX_FLAGS:
            items += f"<li>… {_n(len(record['flags']) - MAX_FLAGS)} more in report.json</li>"
        flags = f'<ul class="flags">{items}</ul>'
    attrs = f'class="file" data-s="{record["status"]}" data-k="{_e(_file_kinds(record))}"' + (" open" if open_ else "")
    return f'<details {attrs}>{head}{flags}<table class="lines" lang="zh-Hans">{lines}</table>{more}</details>'


def _row(record: Mapping[str, Any]) -> str:
    other = sum(
        n for kind, n in record.get("edit_counts", {}).items() if not {"annotation", "convert"} & set(_kinds(kind))
    )
    flags = sum(record.get("flag_counts", {}).values())
    cells = (
        f'<td><code class="p">{_e(record["path"])}</code>',
        f'<td><span class="chip st-{record["status"]}">{record["status"]}</span>'
        + (" ↺" if record.get("reused") else ""),
        f"<td>{_e(record.get('encoding') or '')}",
        f"<td>{_e(_script(record))}",
        f'<td class="num">{_n(_annotations(record)) if "annotations" in record else ""}',
        f'<td class="num">{_n(_conversions(record)) if "edit_counts" in record else ""}',
        f'<td class="num">{_n(other) if "edit_counts" in record else ""}',
        f'<td class="num">{_n(flags) if "flag_counts" in record else ""}',
        f"<td>{_e(_note(record))}",
    )
    return f'<tr data-s="{record["status"]}" data-k="{_e(_file_kinds(record))}">' + "".join(cells) + "</tr>"


# --- the page -----------------------------------------------------------------------


def render_html(
    report: Mapping[str, Any], previews: Mapping[str, Preview | dict[str, Any] | None], *, converted: int | None = None
) -> str:
    """The whole page for a report document and the previews of (some of) its files.

    A preview may come rendered already (:func:`prerender`). The records may be
    summaries (:func:`normalizer.report.compact.summary`: no mapping histograms) when
    ``converted``, the number of characters converted in the whole run, is given.
    """
    files = report["files"]
    src = str(report.get("run", {}).get("src", "SRC"))
    details, detailed, budget_hit = _details(files, previews, src)
    rest = [r for r in files if r["path"] not in detailed]
    rows = "".join(_row(r) for r in rest[:MAX_ROWS])
    with_edits = sum(1 for r in files if r["status"] == "changed" and r.get("edit_counts"))
    t = report["totals"]
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{_CSP}">
<title>zhnorm report — {_e(src)}</title>
<style>{_CSS}</style>
</head>
<body>
<header><h1>zhnorm report</h1><p class="sub">{_subtitle(report, src)}</p></header>
{_summary(report, converted)}
<section id="files">
<h2>Files</h2>
<p class="notice">{_notice(len(details), with_edits, len(rest), budget_hit)}</p>
<div class="controls">
<label>status <select id="f-status">{_status_options(t)}</select></label>
<label>edit kind <select id="f-kind"><option value="">any</option>{_kind_options(files)}</select></label>
<label>path <input id="f-path" type="search" placeholder="part of a path"></label>
<label><input id="f-clean" type="checkbox"> output only</label>
<button type="button" id="f-open">expand all</button><button type="button" id="f-close">collapse all</button>
<span id="f-count"></span>
</div>
{_LEGEND}
<div id="details">{"".join(details)}</div>
<h3 id="others">Other files</h3>
<table class="rows"><thead><tr><th>path</th><th>status</th><th>encoding</th><th>script</th><th>annotations</th>
<th>conversions</th><th>other edits</th><th>flags</th><th>note</th></tr></thead>
<tbody>{rows}</tbody></table>
</section>
<script>{_JS}</script>
</body>
</html>
"""


def _details(
    files: list[Mapping[str, Any]], previews: Mapping[str, Preview | dict[str, Any] | None], src: str
) -> tuple[list[str], set[str], bool]:
    """The detail sections of the files with a preview, in path order, within the page's caps:
    the sections, the paths they cover, and whether the HTML budget stopped them."""
    details: list[str] = []
    detailed: set[str] = set()
    size = 0
    for r in files:
        preview = previews.get(r["path"])
        if not preview or not (preview.get("shown") if "html" in preview else preview.get("lines")):
            continue
        if len(details) >= PREVIEW_FILES:
            break
        piece = _detail(r, preview, src, open_=len(details) < 3)
        if size + len(piece) > DETAIL_BYTES and details:
            return details, detailed, True
        details.append(piece)
        detailed.add(r["path"])
        size += len(piece)
    return details, detailed, False


def _notice(shown: int, with_edits: int, rest: int, budget_hit: bool) -> str:
    """What the page shows and leaves out, in one sentence."""
    caps = [
        f"Line detail for <b>{_n(shown)}</b> of {_n(with_edits)} files with edits"
        + (" (the first ones in path order)" if shown < with_edits else ""),
        f"at most {PREVIEW_LINES} changed lines per file and {LINE_CHARS} characters per line "
        '(<span class="cut">…</span> marks cut text)',
    ]
    if budget_hit:
        caps.append(f"detail stopped at {DETAIL_BYTES // 1_000_000} MB of HTML")
    return "; ".join(caps) + (
        f". The other {_n(rest)} files are listed compactly with their counts"
        + (f" (the first {_n(MAX_ROWS)} rows only)" if rest > MAX_ROWS else "")
        + ". <code>report.json</code> has every file's counts and annotation removals; "
        "<code>zhnorm diff FILE</code> shows every edit of one file."
    )


def _status_options(totals: Mapping[str, Any]) -> str:
    return f'<option value="">all ({_n(totals["files"])})</option>' + "".join(
        f'<option value="{s}">{s} ({_n(totals[s])})</option>' for s in ("changed", "unchanged", "skipped", "error")
    )


def _kind_options(files: list[Mapping[str, Any]]) -> str:
    kinds = sorted({k for r in files for kind in r.get("edit_counts", {}) for k in _kinds(kind)})
    if any(r.get("flag_counts") for r in files):
        kinds.append("flag")
    return "".join(f'<option value="{_e(k)}">{_e(k)}</option>' for k in kinds)


def _subtitle(report: Mapping[str, Any], src: str) -> str:
    run = report.get("run", {})
    tool = report.get("tool", {})
    options = run.get("options", {})
    return (
        f"<code>{_e(src)}</code> → <code>{_e(run.get('dst', ''))}</code> · {_e(run.get('started', ''))} · "
        f"{run.get('duration_s', 0):.1f} s · zhnorm {_e(tool.get('version', ''))}, OpenCC {_e(tool.get('opencc', ''))}"
        f" · errors={_e(options.get('errors', ''))}, detail={_e(options.get('report_detail', ''))}"
        + (" · <b>dry run</b>" if options.get("dry_run") else "")
    )


_LEGEND = (
    '<p class="legend">Highlights: <del class="ed an">(xié)</del> annotation removed · '
    '<ins class="ed cv" title="協→协">协</ins> converted (hover for the original) · '
    '<ins class="ed fx">着</ins> fix · <ins class="ed pu">；</ins> punctuation / entity · '
    '<ins class="ed rp">�</ins> undecodable bytes replaced · <ins class="ed ot">x</ins> other (NFC)</p>'
)


_CSS = """
:root{--fg:#1d1f23;--mut:#666b73;--bd:#d8dbe0;--bg2:#f5f6f8}
*{box-sizing:border-box}
body{
  margin:0 auto;max-width:1200px;padding:16px 24px;
  font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg)
}
h1{margin:0;font-size:22px}
h2{font-size:18px;margin:24px 0 8px;border-bottom:1px solid var(--bd)}
h3{font-size:15px;margin:18px 0 6px}
.sub,.notice,small,.meta,.none,.more{color:var(--mut)}
.sub{margin:2px 0 0}
code{font:12.5px ui-monospace,Menlo,Consolas,monospace}
table.sum{border-collapse:collapse;width:100%}
table.sum th{text-align:left;vertical-align:top;width:170px;padding:5px 8px 5px 0;font-weight:600}
table.sum td{padding:5px 0;border-bottom:1px solid var(--bg2)}
.chip{
  display:inline-block;margin:1px 3px 1px 0;padding:0 7px;border-radius:10px;background:var(--bg2);
  border:1px solid var(--bd);font-size:12.5px;white-space:nowrap
}
.st-changed{background:#e6f0ff;border-color:#9bbcf2}
.st-unchanged{background:#eef7ee;border-color:#a8d5a8}
.st-skipped{background:#f3f3f3;border-color:#c8c8c8}
.st-error{background:#fde8e8;border-color:#f0a0a0}
.chip.an,.k-an{background:#fdecec;border-color:#f2b8b8}
.chip.cv,.k-cv{background:#e8f6ea;border-color:#a9d9b0}
.k-fx{background:#fff4dc;border-color:#f0cf85}
.k-pu{background:#ece9fb;border-color:#bdb3ef}
.k-rp,.k-ot{background:#f0f0f0}
.k-fl,.chip.fl{background:#fff1e0;border-color:#f4c28a}
.problems{margin-top:10px;padding:6px 12px;border:1px solid #f0a0a0;background:#fff7f7;border-radius:6px}
.problems h3{margin:4px 0}
.controls{
  position:sticky;top:0;z-index:2;display:flex;flex-wrap:wrap;gap:6px 14px;align-items:center;
  padding:8px 10px;background:#fff;border:1px solid var(--bd);border-radius:6px;
  box-shadow:0 1px 3px rgba(0,0,0,.06)
}
.controls select,.controls input[type=search]{font:inherit;padding:2px 4px}
.controls button{font:inherit;padding:1px 8px}
#f-count{color:var(--mut);margin-left:auto}
.legend{font-size:13px;color:var(--mut)}
details.file{border:1px solid var(--bd);border-radius:6px;margin:8px 0;background:#fff}
details.file>summary{cursor:pointer;padding:6px 10px;background:var(--bg2);border-radius:6px}
details.file[open]>summary{border-bottom:1px solid var(--bd);border-radius:6px 6px 0 0}
details.file>summary code.p{font-weight:600}
table.lines{border-collapse:collapse;width:100%;font-size:15px;line-height:1.7}
table.lines th{
  width:4em;padding:2px 8px;text-align:right;vertical-align:top;color:var(--mut);
  font:12px/2.1 ui-monospace,Menlo,Consolas,monospace;background:#fafbfc;border-right:1px solid var(--bd);
  user-select:none
}
table.lines td{padding:2px 10px;white-space:pre-wrap;word-break:break-all;border-bottom:1px solid var(--bg2)}
.ed{text-decoration:none;border-radius:2px;padding:0 1px}
del.ed.an{color:#b3261e;background:#fde4e2;text-decoration:line-through;text-decoration-thickness:1.5px}
ins.ed.an{color:#b3261e}
ins.ed.cv{color:#0f6b2a;background:#d9f2de;border-bottom:1px dotted #0f6b2a;cursor:help}
ins.ed.fx{color:#7a4b00;background:#ffe9b8;border-bottom:1px dotted #7a4b00;cursor:help}
ins.ed.pu{color:#3b2ca8;background:#e6e2fb;cursor:help}
ins.ed.rp{color:#fff;background:#8a8a8a;cursor:help}
ins.ed.ot,del.ed{background:#eee;cursor:help}
.cut{color:var(--mut);background:var(--bg2);padding:0 3px}
.clean table.lines del.ed{display:none}
.clean table.lines ins.ed{color:inherit;background:none;border:0;padding:0}
ul.flags{margin:6px 0;padding:0 12px 0 30px;font-size:13px}
ul.flags mark{background:#fff1e0}
p.more{margin:4px 10px 8px;font-size:13px}
table.rows{border-collapse:collapse;width:100%;font-size:13px}
table.rows th{
  position:sticky;top:48px;background:var(--bg2);text-align:left;padding:4px 6px;
  border-bottom:1px solid var(--bd);font-weight:600
}
table.rows td{padding:2px 6px;border-bottom:1px solid var(--bg2);white-space:nowrap}
table.rows td:last-child{white-space:normal}
table.rows td.num{text-align:right;font-variant-numeric:tabular-nums}
[hidden]{display:none!important}
"""

_JS = """
(function(){
var st=document.getElementById('f-status'),kd=document.getElementById('f-kind'),q=document.getElementById('f-path'),
    n=document.getElementById('f-count'),items=document.querySelectorAll('[data-s]');
function apply(){
  var s=st.value,k=kd.value,t=q.value.toLowerCase(),shown=0;
  for(var i=0;i<items.length;i++){
    var el=items[i],p=el.querySelector('.p');
    var ok=(!s||el.getAttribute('data-s')===s)&&(!k||(' '+el.getAttribute('data-k')+' ').indexOf(' '+k+' ')>=0)
      &&(!t||(p&&p.textContent.toLowerCase().indexOf(t)>=0));
    el.hidden=!ok;if(ok)shown++;
  }
  n.textContent=shown.toLocaleString('en')+' of '+items.length.toLocaleString('en')+' files shown';
}
st.addEventListener('change',apply);kd.addEventListener('change',apply);q.addEventListener('input',apply);
document.getElementById('f-clean').addEventListener('change',function(e){
  document.body.classList.toggle('clean',e.target.checked);
});
function all(open){
  var d=document.querySelectorAll('details.file');
  for(var i=0;i<d.length;i++){if(!d[i].hidden)d[i].open=open;}
}
document.getElementById('f-open').addEventListener('click',function(){all(true);});
document.getElementById('f-close').addEventListener('click',function(){all(false);});
apply();
})();
"""
