"""Printable documents as PDF: a Jinja2 HTML template laid out on A4 with embedded Chinese fonts.

The library is fpdf2: pure Python, it embeds *and subsets* TrueType and OpenType fonts and font
collections (through fontTools), so Debian's font packages are used as installed, nothing is fetched
at run time, and a document carries only the glyphs it uses (tens of kilobytes). The fonts: see
FONT_CANDIDATES; another one through `PDF_FONT_REGULAR` / `PDF_FONT_BOLD` (`/path/font.ttc#face`).

A service keeps its templates in its `document/templates/` folder; `DocumentTemplates` renders one
with autoescaping on, so names or terms typed by a user never become markup. fpdf2 understands a
small HTML: `h1`–`h4`, `p` (`align`, `line-height`), `b`, `u`, `br`, `ol`/`ul`/`li`, `table` (with
`width` per cell), `hr`; and `<p indent="2">`, a first line indented by two characters (首行缩进).

No domain words here: the services decide what a document says.
"""
from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from fpdf import FPDF, FontFace, TextStyle
from fpdf.enums import Align
from fpdf.html import HTML2FPDF
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from shared.errors import SuiteError

# fontTools logs every subsetting step at INFO: not the service's business.
logging.getLogger("fontTools").setLevel(logging.ERROR)
logging.getLogger("fpdf").setLevel(logging.WARNING)

ARPHIC, WQY, NOTO = (Path("/usr/share/fonts/truetype/arphic"), Path("/usr/share/fonts/truetype/wqy"),
                     Path("/usr/share/fonts/opentype/noto"))
# (body, headings) as (path, face index); the first pair whose files exist is used. First choice: TrueType
# outlines, a Song (宋体-style) body and a Hei (黑体) for the title and headings, as GB/T 9704 prints
# them (Debian: fonts-arphic-uming, fonts-wqy-zenhei). fpdf2 embeds those as CIDFontType2 with
# Identity-H, which every PDF reader and text extractor understands. Then Noto CJK (CFF outlines,
# embedded through a custom CMap that some extractors, e.g. pdfminer.six, cannot read).
FONT_CANDIDATES: list[tuple[tuple[Path, int], tuple[Path, int]]] = [
    ((ARPHIC / "uming.ttc", 0), (WQY / "wqy-zenhei.ttc", 0)),
    ((NOTO / "NotoSerifCJK-Regular.ttc", 2), (NOTO / "NotoSansCJK-Bold.ttc", 2)),
    ((NOTO / "NotoSansCJK-Regular.ttc", 2), (NOTO / "NotoSansCJK-Bold.ttc", 2)),
]
FAMILY = "cjk"
PDF_MEDIA_TYPE = "application/pdf"


class FontUnavailable(SuiteError):
    status, code, title = 503, "pdf_font_unavailable", "No Chinese font for documents"


@dataclass(frozen=True)
class FontChoice:
    regular: tuple[Path, int]
    bold: tuple[Path, int]


def _parse(spec: str) -> tuple[Path, int]:
    path, _, face = spec.partition("#")
    return Path(path), int(face or 0)


_chosen: FontChoice | None = None
_lock = threading.Lock()


def font_choice() -> FontChoice:
    """The fonts documents use: body and headings (the environment, else the first installed pair)."""
    global _chosen
    with _lock:
        if _chosen is None:
            env_regular, env_bold = os.environ.get("PDF_FONT_REGULAR"), os.environ.get("PDF_FONT_BOLD")
            candidates = list(FONT_CANDIDATES)
            if env_regular:
                candidates.insert(0, (_parse(env_regular), _parse(env_bold or env_regular)))
            for regular, bold in candidates:
                if regular[0].is_file() and bold[0].is_file():
                    _chosen = FontChoice(regular, bold)
                    break
            else:
                raise FontUnavailable("No Chinese font is installed for documents (Debian packages "
                                      "fonts-arphic-uming and fonts-wqy-zenhei, or fonts-noto-cjk; or set "
                                      "PDF_FONT_REGULAR).",
                                      detail_zh="未安装生成文书所需的中文字体（fonts-arphic-uming、fonts-wqy-zenhei）。")
        return _chosen


class DocumentTemplates:
    """The HTML templates of one service's documents (autoescaped, strict about missing values)."""

    def __init__(self, directory: Path) -> None:
        self.env = Environment(loader=FileSystemLoader(str(directory)), undefined=StrictUndefined,
                               autoescape=select_autoescape(["html"], default_for_string=True),
                               trim_blocks=True, lstrip_blocks=True)
        self.env.filters["cn_date"] = cn_date

    def render(self, name: str, **context) -> str:
        return self.env.get_template(name).render(**context)


def cn_date(value: date | None, empty: str = "____年__月__日") -> str:
    """2026-12-02 -> 2026年12月2日 (the way dates are written on a document)."""
    if value is None:
        return empty
    return f"{value.year}年{value.month}月{value.day}日"


BLACK = "#000000"
TAG_STYLES = {
    "h1": TextStyle(font_family=FAMILY, font_style="B", font_size_pt=22, color=BLACK, t_margin=0, b_margin=0.6,
                    l_margin=Align.C),
    "h2": TextStyle(font_family=FAMILY, font_style="B", font_size_pt=14, color=BLACK, t_margin=3, b_margin=0.3),
    "h3": TextStyle(font_family=FAMILY, font_style="B", font_size_pt=12, color=BLACK, t_margin=2, b_margin=0.3),
    "h4": TextStyle(font_family=FAMILY, font_style="", font_size_pt=11, color=BLACK, t_margin=1, b_margin=0.3),
    "p": TextStyle(font_family=FAMILY, font_size_pt=12, color=BLACK, t_margin=1, b_margin=0.5),
    "li": TextStyle(font_family=FAMILY, font_size_pt=12, color=BLACK, l_margin=8, t_margin=1),
    "b": FontFace(family=FAMILY, emphasis="BOLD"),
    "strong": FontFace(family=FAMILY, emphasis="BOLD"),
}


class _Html(HTML2FPDF):
    """fpdf2's HTML with one addition: `<p indent="2">` indents the paragraph's first line by that many
    characters (首行缩进, as Chinese documents are set)."""

    _first_indent_chars = 0.0

    def handle_starttag(self, tag, attrs):
        if tag == "p":
            try:
                self._first_indent_chars = float(dict(attrs).get("indent") or 0)
            except ValueError:
                self._first_indent_chars = 0.0
        super().handle_starttag(tag, attrs)

    def _new_paragraph(self, *args, **kwargs):
        chars, self._first_indent_chars = self._first_indent_chars, 0.0
        column = getattr(self, "_column", None)
        if not chars or column is None:
            return super()._new_paragraph(*args, **kwargs)
        original = column.paragraph
        indent = chars * self.font_size_pt / self.pdf.k

        def paragraph(*a, **kw):
            kw["first_line_indent"] = indent
            return original(*a, **kw)

        column.paragraph = paragraph
        try:
            return super()._new_paragraph(*args, **kwargs)
        finally:
            del column.paragraph


class _Page(FPDF):
    HTML2FPDF_CLASS = _Html
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font(FAMILY, "", 9)
        self.set_text_color(0, 0, 0)
        text = f"第 {self.page_no()} 页 共 {{nb}} 页"
        if self.footer_text:
            text = f"{self.footer_text}　　{text}"
        self.cell(0, 8, text, align="C")


def render_pdf(html: str, *, title: str, subject: str = "", author: str = "", keywords: str = "",
               footer: str = "", created_at: datetime | None = None) -> bytes:
    """Lay `html` out on A4 (margins of a printed bureau document) and return the PDF bytes."""
    fonts = font_choice()
    pdf = _Page(orientation="portrait", unit="mm", format="A4")
    pdf.footer_text = footer
    pdf.set_margins(left=26, top=25, right=26)
    pdf.set_auto_page_break(auto=True, margin=22)
    pdf.add_font(FAMILY, "", str(fonts.regular[0]), collection_font_number=fonts.regular[1])
    pdf.add_font(FAMILY, "B", str(fonts.bold[0]), collection_font_number=fonts.bold[1])
    pdf.set_title(title)
    pdf.set_subject(subject or title)
    pdf.set_author(author)
    pdf.set_keywords(keywords)
    pdf.set_creator("petition-suite")
    pdf.set_lang("zh-CN")
    if created_at is not None:  # the document's own date rather than the moment it was printed
        pdf.set_creation_date(created_at)
    pdf.add_page()
    pdf.set_font(FAMILY, "", 12)
    pdf.write_html(html, font_family=FAMILY, tag_styles=TAG_STYLES, li_prefix_color=BLACK,
                   table_line_separators=True, warn_on_tags_not_matching=False)
    return bytes(pdf.output())
