"""What a reader must never see on a page: raw codes, hand-made money, the other language.

`findings(html, language, allowed)` reads only the visible text of a page (text nodes and
the attributes a person sees: `title`, `placeholder`, `alt`, `aria-label`; never scripts,
styles or `data-*`/`value` attributes, which may hold codes) and answers what it finds:

- raw codes: the string values of every Enum in `returnflow.domain` (statuses, reasons,
  request types, outcomes, verdicts, payers, actions, dispositions, risk codes …), any
  lowercase snake_case or dotted token (`awaiting_approval`, `returns.view`), and a few
  codes kept outside enums (payment methods, the simulated carrier). On a Chinese page
  every such lowercase token is raw; on an English page a code that is also an English
  word ("refund", "none", "pass") counts only where it stands alone in its own fragment
  (a table cell, after a colon, in brackets), since a label would be capitalised;
- money shown in a non-Babel way: "947.7 CNY", "¥500.0", "¥1026", "CN¥" on a Chinese
  page, a bare "¥" on an English one (a bare "500.0" cannot be told from a score of
  "95.0" by its text: the hand-made amounts without a currency were found by grep);
- mixed languages: Chinese characters on an English page (outside the proper names and
  customers' own words the data holds, passed as `allowed`), and English phrases on a
  Chinese page.
"""

from __future__ import annotations

import enum
import importlib
import pkgutil
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from html.parser import HTMLParser

import returnflow.domain
from returnflow.domain.text import Text

# Codes kept outside enums that pages have shown raw (issue 16): payment methods and the
# offline carrier.
EXTRA_CODES = frozenset({"alipay", "wechat", "simulated", "unionpay"})

# Enum values that are never raw where they stand, with the reason for each.
ALLOWED = {
    "sku": "an accepted abbreviation in both languages (column heads say SKU)",
    "app": "the name of a channel in both languages (the Taobao/JD app)",
    "A": "inspection grades A–D are shown as letters in both languages",
    "B": "inspection grade",
    "C": "inspection grade",
    "D": "inspection grade",
    "na": "too short to tell from text; its label is checked where it is shown",
}
# Words a Chinese page may hold in Latin letters (brands, formats, units), with reasons.
LATIN_ON_CHINESE = {
    "returnflow": "the product's name",
    "rma": "the request number's prefix",
    "csv": "a file format",
    "xlsx": "a file format",
    "pdf": "a file format",
    "sku": "accepted in Chinese retail",
    "app": "accepted in Chinese",
    "ok": "accepted in Chinese",
}

_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
_TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9_.]*[A-Za-z0-9]|[A-Za-z]")
_FRAGMENT_SPLIT = re.compile(r"[:：·/()（）\[\]|—–;；=]|\s-\s")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_EMAIL = re.compile(r"\S+@\S+|https?://\S+|/[\w/.-]+")
_ENGLISH_RUN = re.compile(r"[A-Za-z]{2,}(?:[ ,'’-]+[A-Za-z]{2,}){2,}")

_MONEY_CODE = re.compile(r"\d[\d,]*(?:\.\d+)?\s?(?:CNY|USD|EUR|HKD|RMB)\b|\b(?:CNY|USD|RMB)\s?\d")
_MONEY_SYMBOL = re.compile(r"[¥$€]\s?\d[\d,]*(?:\.\d+)?")
_FULLWIDTH_YEN = re.compile(r"￥")


@dataclass(frozen=True)
class Finding:
    kind: str  # "code", "money", "language"
    found: str
    context: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.found!r} in {self.context!r}"


@cache
def domain_codes() -> frozenset[str]:
    """The string values of every Enum defined in `returnflow.domain`."""
    values: set[str] = set(EXTRA_CODES)
    for info in pkgutil.iter_modules(returnflow.domain.__path__):
        module = importlib.import_module(f"returnflow.domain.{info.name}")
        for thing in vars(module).values():
            if isinstance(thing, type) and issubclass(thing, enum.Enum):
                values.update(m.value for m in thing if isinstance(m.value, str))
    return frozenset(value for value in values if value not in ALLOWED and value.strip())


@cache
def english_labels() -> frozenset[str]:
    """The English labels of the domain's enum members and word tables: "cancelled" shown
    as the English label of `cancelled` is a translation that happens to equal its code."""
    labels: set[str] = set()
    for info in pkgutil.iter_modules(returnflow.domain.__path__):
        module = importlib.import_module(f"returnflow.domain.{info.name}")
        for thing in vars(module).values():
            if isinstance(thing, dict):  # a table of words: tracking.STATUS_LABELS
                labels.update(" ".join(t.en.split()) for t in thing.values() if isinstance(t, Text))
            if isinstance(thing, type) and issubclass(thing, enum.Enum):
                for member in thing:
                    label = getattr(member, "label", None)
                    english = getattr(label, "en", None)
                    if isinstance(english, str):
                        labels.add(" ".join(english.split()))
    return frozenset(labels)


_VISIBLE_ATTRIBUTES = ("title", "placeholder", "alt", "aria-label")
# a textarea holds what a form sends back (a bilingual playbook's "zh | en" lines): a value
_HIDDEN_ELEMENTS = frozenset({"script", "style", "template", "head", "textarea"})


# inline elements run on in their sentence ("wait for a <strong>manager</strong>'s approval")
_INLINE = frozenset(
    {
        "a",
        "abbr",
        "b",
        "cite",
        "code",
        "em",
        "i",
        "mark",
        "q",
        "small",
        "span",
        "strong",
        "sub",
        "sup",
        "time",
        "u",
        "label",
        "bdi",
    }
)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._line: list[str] = []
        self._hidden = 0

    def flush(self) -> None:
        line = " ".join(" ".join(self._line).split())
        if line:
            self.pieces.append(line)
        self._line = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _INLINE:
            self.flush()
        if tag in _HIDDEN_ELEMENTS:
            self._hidden += 1
        if self._hidden:
            return
        if tag == "input" and dict(attrs).get("type") == "hidden":
            return
        for name, value in attrs:
            if name in _VISIBLE_ATTRIBUTES and value:
                self.pieces.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag not in _INLINE:
            self.flush()
        if tag in _HIDDEN_ELEMENTS and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self._line.append(data)


def visible_text(html: str) -> list[str]:
    """The page's lines of text (a block's text with its inline elements) and its visible
    attributes, one string each."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    parser.flush()
    return parser.pieces


def _strip_allowed(piece: str, allowed: Iterable[str]) -> str:
    for value in allowed:
        if value and value in piece:
            piece = piece.replace(value, " ")
    return _EMAIL.sub(" ", piece)


def _codes_in(piece: str, language: str) -> list[str]:
    codes = domain_codes()
    found = [t for t in _SNAKE.findall(piece) if not t[-1].isdigit()]  # ids: sbx_re_000001
    found += [t for t in _TOKEN.findall(piece) if "." in t and t in codes and t not in found]
    if language == "zh":
        latin = _ENGLISH_RUN.sub(" ", piece)  # English phrases are reported as language
        found += [t for t in _TOKEN.findall(latin) if t in codes and t not in found]
        return found
    labels = english_labels()
    if " ".join(piece.split()) in labels:  # "closed (not shipped in time)"
        return found
    for fragment in _FRAGMENT_SPLIT.split(piece):
        words = " ".join(fragment.strip(" .,!?'\"‘’“”«»…").split())
        tokens = _TOKEN.findall(words)
        if words in labels or not tokens or " ".join(tokens) != words:
            continue
        if all(t in codes for t in tokens):
            found += [t for t in tokens if t not in found]
    return found


def _money_in(piece: str, language: str) -> list[str]:
    found = _MONEY_CODE.findall(piece)
    found += [m for m in _MONEY_SYMBOL.findall(piece) if not re.search(r"\d\.\d\d$", m)]
    found += _FULLWIDTH_YEN.findall(piece)
    if language == "zh":
        found += re.findall(r"CN¥[\d,.]+", piece)
    else:
        found += re.findall(r"(?<!CN)(?<!HK)¥[\d,.]+", piece)
    return found


def _language_in(piece: str, language: str) -> list[str]:
    if language == "en":
        runs = _CJK.findall(piece.replace("简体中文", " "))  # the language switch names itself
        return [" … ".join(runs)[:60]] if runs else []
    runs = []
    for run in _ENGLISH_RUN.findall(piece):
        if not re.search("[a-z]", run):  # SKUs and codes in capitals: IW-BK-GEO
            continue
        words = [w.lower() for w in re.findall(r"[A-Za-z]+", run)]
        if not all(w in LATIN_ON_CHINESE for w in words):
            runs.append(run)
    return runs


def findings(html: str, language: str, allowed: Iterable[str] = ()) -> list[Finding]:
    """Every raw code, hand-made amount and other-language fragment the page shows.

    `allowed` holds the data's own words (names, titles, addresses, what people typed):
    they are taken out of the text before it is read.
    """
    names = sorted({value for value in allowed if value}, key=len, reverse=True)
    result: list[Finding] = []
    for raw in visible_text(html):
        piece = _strip_allowed(raw, names)
        context = raw[:160]
        result += [Finding("code", code, context) for code in _codes_in(piece, language)]
        result += [Finding("money", money, context) for money in _money_in(piece, language)]
        result += [Finding("language", bit, context) for bit in _language_in(piece, language)]
    return result
