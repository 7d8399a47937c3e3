"""One HTML page for a run (reports/index.html): a section per stage, each figure with one sentence of what it
shows. Self-contained: figures are linked by paths relative to the page and the style is in the page, so it
opens from disk, from a CI artifact of reports/, or in a pull request's checkout, with no network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

STYLE = """body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:1100px;padding:0 1.2rem 3rem;color:#222}
h1{margin:1.4rem 0 .2rem}h2{margin:2rem 0 .3rem;border-bottom:1px solid #ddd}p.muted{color:#666;margin:.2rem 0}
pre{background:#f6f6f6;padding:.8rem;overflow-x:auto;font-size:13px}nav a{margin-right:.8rem}
.figures{display:flex;flex-wrap:wrap;gap:1rem}figure{margin:0;flex:1 1 460px;max-width:100%}
figure img{max-width:100%;border:1px solid #eee}figcaption{color:#444;font-size:14px}
.wide{overflow-x:auto;max-width:100%;margin:.5rem 0}table{border-collapse:collapse;font-size:13px}
td,th{padding:.15rem .6rem;border-bottom:1px solid #eee}
td.n{text-align:right;font-variant-numeric:tabular-nums}"""


@dataclass(frozen=True)
class Figure:
    src: str  # relative to the page
    caption: str  # one sentence: what the figure shows


@dataclass(frozen=True)
class Section:
    anchor: str  # the stage's name
    title: str
    text: str  # the stage's headline, from its metrics
    figures: list[Figure] = field(default_factory=list)
    table: list[dict] = field(default_factory=list)  # rows of the same keys, shown as they are
    pages: list[Figure] = field(default_factory=list)  # pages of its own (a report), linked with what they show


def page(title: str, lines: list[str], sections: list[Section]) -> str:
    """The page's HTML: the run's screen (`lines`), then every section in order."""
    nav = " ".join(f'<a href="#{escape(s.anchor)}">{escape(s.title)}</a>' for s in sections)
    body = [f"<h1>{escape(title)}</h1>", f"<nav>{nav}</nav>", f"<pre>{escape(chr(10).join(lines))}</pre>"]
    for s in sections:
        body += [f'<h2 id="{escape(s.anchor)}">{escape(s.title)}</h2>', f"<p>{escape(s.text)}</p>"]
        body += [f'<p><a href="{escape(p.src)}">{escape(p.src)}</a>: {escape(p.caption)}</p>' for p in s.pages]
        if s.table:
            body.append(_table(s.table))
        if s.figures:
            body.append('<div class="figures">' + "".join(
                f'<figure><img src="{escape(f.src)}" alt="{escape(f.caption)}">'
                f"<figcaption>{escape(f.caption)}</figcaption></figure>" for f in s.figures) + "</div>")
    return ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{STYLE}</style></head>\n<body>\n" + "\n".join(body)
            + "\n</body></html>\n")


def _table(rows: list[dict]) -> str:
    head = "".join(f"<th>{escape(str(k))}</th>" for k in rows[0])
    cells = ["".join(f'<td class="n">{v:.4f}</td>' if isinstance(v, float) else f"<td>{escape(str(v))}</td>"
                     for v in row.values()) for row in rows]
    # a wide table scrolls inside its own box, not the page
    return f'<div class="wide"><table><tr>{head}</tr>' + "".join(f"<tr>{c}</tr>" for c in cells) + "</table></div>"
