"""Segment the raw seed documents into item-level Article records.

The seeds are five raw dumps in different shapes (an RSS dump, a news listing, a page of
story bodies, a digest, a single article). Each format gets a small segmenter; the shape is
detected from the text, not the file name. Every record carries how its date was derived
(``date_source``) and, for newsletter and round-up items, the ``parent`` it came from.
Dates are only ever taken from the text (bylines, week ranges, datelines, lead sentences);
when the text gives no date the record stays undated.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

__all__ = [
    "MONTHS",
    "DATE_RE",
    "DATELINE_RE",
    "WEEK_RE",
    "YEAR_RE",
    "SOURCED_RE",
    "LABEL_RE",
    "BRIEF_LABELS",
    "TN_DROP",
    "CAIXIN_DROP",
    "BYLINE_RE",
    "Segment",
    "content_id",
    "YearCursor",
    "year_cap",
    "segment_technode",
    "segment_caixin_listing",
    "segment_caixin_page",
    "segment_digest",
    "segment_single",
    "detect_format",
    "SEGMENTERS",
    "segment_file",
    "iter_seed_records",
]

MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ]
    )
    for m in names
}
_MONTH_RE = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
# "Dec. 10", "June 2", "Dec. 24, 2020"; not "May" alone.
DATE_RE = re.compile(rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,\s*(\d{{4}}))?")
DATELINE_RE = re.compile(rf"^({_MONTH_RE})\.?\s+(\d{{1,2}})$")
WEEK_RE = re.compile(
    rf"(?:in|for) the week of ({_MONTH_RE})\.?\s+(\d{{1,2}})\s*(?:to|-|–)\s*(?:({_MONTH_RE})\.?\s+)?(\d{{1,2}})"
)
YEAR_RE = re.compile(r"\b(20[0-3]\d)\b")
# An item's trailing source: "... (Jiemian, in Chinese)", "... [Ebrun, in Chinese]", "(Coindesk)".
SOURCED_RE = re.compile(r"[.!?”\"’)]\s*[(\[]([^()\[\]]{2,90})[)\]]\s*$")
LABEL_RE = re.compile(r"^([A-Z][\w’'‘ -]{1,40}?):\s")
BRIEF_LABELS = ("Why it matters", "Details", "Context")

# Boilerplate lines of the TechNode dump.
TN_DROP = [
    re.compile(r"^READ MORE:"),
    re.compile(r"^Update:"),
    re.compile(r"contributed to (?:the )?report(?:ing)?\.?$"),
    re.compile(r"^(?:With contributions from|Additional reporting by)\b.{0,60}$"),
    re.compile(r"subscriber-only translation column"),
]
# Lines of the Caixin pages that are never story text.
CAIXIN_DROP = [
    re.compile(r"^Contact (?:reporter|editor)\b"),
    re.compile(r"^Editor: [A-Z][\w ]+\($"),
    re.compile(r"^Related:"),
    re.compile(r"^Photo:"),
    re.compile(r"^(?:To )?[Rr]ead the full story"),
    re.compile(r"^Share this article$"),
    re.compile(r"^Open WeChat and scan"),
    re.compile(r"^(?:What’s trending\?|What’s the story\?|What are people saying online\?)$"),
    re.compile(r"^Loading$"),
]
BYLINE_RE = re.compile(
    r"^(?:By )?(?P<author>[^/]{2,80}?) / (?P<date>[A-Z][a-z]{2} \d{1,2}, \d{4}) (?P<time>\d{1,2}:\d{2} [AP]M) / (?P<section>.+)$"
)


@dataclass
class Segment:
    """A story being assembled: paragraphs plus what is known about it."""

    paras: list[str] = field(default_factory=list)
    kind: str = "article"
    title: str | None = None
    date: dt.date | None = None
    date_source: str | None = None
    parent: str | None = None
    parent_title: str | None = None
    meta: dict = field(default_factory=dict)


def content_id(prefix: str, text: str) -> str:
    """Stable id from the normalised text: the same text always gets the same id."""
    norm = " ".join(text.split())
    return f"{prefix}-{hashlib.sha256(norm.encode('utf-8')).hexdigest()[:12]}"


def _sentences(text: str) -> int:
    """Rough sentence count that does not split on month abbreviations like 'Dec.'."""
    cleaned = re.sub(rf"\b{_MONTH_RE}\.", "M", text)
    return max(1, len(re.findall(r"[.!?](?:\s|$)", cleaned)))


def _month_day(mon: str, day: str) -> tuple[int, int] | None:
    m = MONTHS.get(mon.lower().rstrip("."))
    d = int(day)
    return (m, d) if m and 1 <= d <= 31 else None


def _safe_date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


class YearCursor:
    """Assigns years to month-day dates in a reverse-chronological feed.

    Each story is at most ``slack`` days newer than the one before it in the file, so a
    date without a year takes the latest year that keeps it under the cursor.
    """

    def __init__(self, slack_days: int = 14) -> None:
        self.cursor: dt.date | None = None
        self.slack = dt.timedelta(days=slack_days)

    def resolve(
        self, m: int, d: int, year: int | None = None, cap: int | None = None
    ) -> dt.date | None:
        """``cap``: a story is at most a year newer than the latest year it names."""
        if year is not None:
            return _safe_date(year, m, d)
        if self.cursor is None:
            return None
        for y in (self.cursor.year + 1, self.cursor.year, self.cursor.year - 1):
            cand = _safe_date(y, m, d)
            if cand and cand <= self.cursor + self.slack and (cap is None or y <= cap):
                return cand
        return None

    def advance(self, date: dt.date | None) -> None:
        if date is not None:
            self.cursor = date


def year_cap(text: str) -> int | None:
    """The latest year a text names, plus one: news is rarely dated later than that."""
    years = [int(y) for y in YEAR_RE.findall(text)]
    return max(years) + 1 if years else None


def _dates_in(text: str, cursor: YearCursor, cap: int | None = None) -> list[dt.date]:
    """Explicit dates in a text; a bare month-day takes a year named in its sentence, else the cursor's."""
    out = []
    for sent in re.split(r"(?<=[.!?])\s+(?=[A-Z“\"])", text):
        years = [int(y) for y in YEAR_RE.findall(sent)]
        for mon, day, year in DATE_RE.findall(sent):
            md = _month_day(mon, day)
            if not md:
                continue
            y = int(year) if year else (max(years) if years else None)
            date = cursor.resolve(*md, y, cap=cap)
            if date:
                out.append(date)
    return out


# --------------------------------------------------------------------------- TechNode RSS


def _load_hints() -> list[str]:
    """Opening words of stories that the TechNode dump starts with no structural cue."""
    data = resources.files("classify").joinpath("data/seed_hints.json").read_text("utf-8")
    return json.loads(data)["story_starts"]


@dataclass
class _Para:
    text: str
    marker: bool
    kind: str  # intro | last_issue | ednote | why | details | context | sublabel | dateline | sourced | heading | plain


def _tn_kind(text: str) -> str:
    if WEEK_RE.search(text) and re.search(r"moves fast|fire hose|need to know", text):
        return "intro"
    if re.match(r"^Editor’s note: This is the last issue of", text):
        return "last_issue"
    if text.startswith("Editor’s note:"):
        return "ednote"
    for lab in BRIEF_LABELS:
        if text.startswith(lab + ":"):
            return lab.split()[0].lower()
    if DATELINE_RE.match(text):
        return "dateline"
    if SOURCED_RE.search(text) and not SOURCED_RE.search(text).group(1).endswith("."):
        return "sourced"
    words = text.split()
    if (
        len(words) <= 22
        and not re.search(r"[.!”\"…:]$", text)
        and not (text.endswith("?") and len(words) > 15)
    ):
        return "heading"
    if text.endswith(":"):
        return "lead_in"  # introduces a list or quote that follows; never opens a story
    m = LABEL_RE.match(text)
    if m and len(m.group(1).split()) <= 4:
        return "sublabel"
    return "plain"


def _tn_paragraphs(raw: str) -> list[_Para]:
    paras: list[_Para] = []
    pending_marker = False
    for line in raw.splitlines():
        marker = line.startswith("]]>")
        text = line[3:].strip() if marker else line.strip()
        pending_marker = pending_marker or marker
        if not text or any(p.search(text) for p in TN_DROP):
            continue
        # Orphan category labels left over from the feed's navigation (Auto, E-commerce, ...).
        if re.fullmatch(r"[A-Z][A-Za-z&-]+(?: [A-Z&][A-Za-z&-]+)?", text) and not DATELINE_RE.match(
            text
        ):
            continue
        paras.append(_Para(text, pending_marker, _tn_kind(text)))
        pending_marker = False
    return paras


def segment_technode(raw: str, source: str = "TechNode") -> list[Segment]:
    """Split the TechNode RSS dump into briefs, features, newsletter items and round-up items."""
    paras = _tn_paragraphs(raw)
    hints = _load_hints()
    n = len(paras)
    stories: list[dict] = []  # {"kind", "paras": [_Para], ...}
    cur: dict | None = None

    def followed_by_why(i: int) -> bool:
        for j in range(i + 1, min(i + 4, n)):
            if paras[j].kind == "why":
                return True
            if paras[j].kind != "plain" or paras[j].marker:
                return False
        return False

    def is_intro(i: int) -> bool:
        return i < n and paras[i].kind in ("intro", "last_issue")

    def newsletter_open(c: dict | None) -> bool:
        return bool(c and c["kind"] == "newsletter" and len(c["items"]) < c["n_summary"])

    def strong_start(i: int) -> bool:
        """Paragraph i begins a new story by an unambiguous cue."""
        if i >= n:
            return True
        p = paras[i]
        return (
            p.marker
            or p.kind in ("ednote", "last_issue")
            or is_intro(i + 1)
            or followed_by_why(i)
            or any(p.text.startswith(h) for h in hints)
        )

    def item_ahead(i: int) -> bool:
        """An unsourced newsletter paragraph is an item if its source note follows within
        two paragraphs, or if it is the last paragraph before a new story (source lost)."""
        if strong_start(i + 1):
            return True
        for j in range(i + 1, min(i + 3, n)):
            if strong_start(j):
                return False
            if paras[j].kind == "sourced":
                return True
        return False

    def start(kind: str, p: _Para, **extra) -> dict:
        s = {"kind": kind, "paras": [p], "items": [], **extra}
        stories.append(s)
        return s

    for i, p in enumerate(paras):
        hinted = any(p.text.startswith(h) for h in hints)
        prev = cur["paras"][-1] if cur else None
        # A marker is not a boundary when it would leave a heading without its body, or
        # when the text after it is a section label (a story never opens with one).
        marker_break = p.marker and not (
            prev is not None
            and (
                prev.kind in ("heading", "dateline")
                or p.kind in ("sublabel", "why", "details", "context")
            )
        )
        summary = p.kind == "plain" and (
            is_intro(i + 1)
            or (
                i + 1 < n
                and paras[i + 1].kind == "sourced"
                and (p.marker or not newsletter_open(cur))
            )
        )
        if cur is None or hinted:
            cur = start(
                "newsletter" if summary else ("roundup" if p.kind == "ednote" else "article"),
                p,
                n_summary=_sentences(p.text),
            )
            continue
        if summary and (
            marker_break or cur["kind"] != "newsletter" or cur["items"] or cur.get("intro")
        ):
            cur = start("newsletter", p, n_summary=_sentences(p.text))
            continue
        if marker_break:
            kind = "roundup" if p.kind == "ednote" else "article"
            cur = start(kind, p, n_summary=_sentences(p.text))
            continue
        if p.kind == "ednote":
            cur = start("roundup", p)
            continue
        k = cur["kind"]
        if k == "newsletter":
            pending = cur.get("pending")
            if p.kind in ("intro", "last_issue"):
                cur["intro"] = p
            elif pending is not None and not strong_start(i):
                pending.append(p)  # an item running over several paragraphs
                if p.kind == "sourced":
                    cur["pending"] = None
            elif p.kind == "sourced":
                cur["items"].append([p])
            elif p.kind == "plain" and len(cur["items"]) < cur["n_summary"] and item_ahead(i):
                cur["items"].append([p])
                if not strong_start(i + 1):
                    cur["pending"] = cur["items"][-1]
            else:
                cur = start("article", p)
            continue
        if k == "roundup":
            if p.kind == "dateline":
                cur["items"].append([p])
            elif p.kind == "plain" and followed_by_why(i):
                cur = start("article", p)
            elif cur["items"]:
                cur["items"][-1].append(p)
            else:
                cur["paras"].append(p)
            continue
        # article (brief or feature)
        kinds = {q.kind for q in cur["paras"]}
        if prev is not None and prev.kind == "heading":
            cur["paras"].append(p)  # a heading's body
            continue
        # A brief is a lead of one or two paragraphs, then Why it matters / Details / Context.
        # After a Context paragraph, or once the current story is long or already has its
        # own Why it matters, a plain paragraph leading into Why it matters opens a new brief.
        long_or_brief = "why" in kinds or len(cur["paras"]) >= 4
        if p.kind == "plain" and ("context" in kinds or (long_or_brief and followed_by_why(i))):
            cur = start("article", p)
            continue
        cur["paras"].append(p)

    return _technode_segments(stories, source)


def _headed_items(paras: list[_Para]) -> tuple[list[_Para], list[list[_Para]]] | None:
    """Split a story made of intro paragraphs then >= 4 (heading, one body) pairs."""
    first = next((i for i, q in enumerate(paras) if q.kind == "heading"), None)
    if first is None:
        return None
    rest = paras[first:]
    if len(rest) % 2 or len(rest) < 8:
        return None
    pairs = [rest[j : j + 2] for j in range(0, len(rest), 2)]
    if all(a.kind == "heading" and b.kind not in ("heading", "dateline") for a, b in pairs):
        return paras[:first], pairs
    return None


def _technode_segments(stories: list[dict], source: str) -> list[Segment]:
    cursor = YearCursor()
    out: list[Segment] = []
    for s in stories:
        kind = s["kind"]
        if kind == "article":
            split = _headed_items(s["paras"])
            if split:
                kind, s["paras"], s["items"] = "roundup", split[0], split[1]
        if kind == "newsletter":
            out.extend(_tn_newsletter(s, cursor, source))
        elif kind == "roundup":
            out.extend(_tn_roundup(s, cursor, source))
        else:
            text = "\n".join(q.text for q in s["paras"])
            lead = [q.text for q in s["paras"][:2] if q.kind == "plain"]
            dates = _dates_in(" ".join(lead), cursor, cap=year_cap(text))
            seg = Segment(
                paras=[q.text for q in s["paras"]],
                kind="brief" if "Why it matters:" in text else "feature",
            )
            if dates:
                seg.date, seg.date_source = max(dates), "lead_date+feed_order"
                cursor.advance(seg.date)
            else:
                _year_anchor(text, cursor)
            seg.meta["source"] = source
            out.append(seg)
    return out


def _year_anchor(text: str, cursor: YearCursor) -> None:
    """Before the first dated story, a 'Month Day ... Year' sentence sets the cursor."""
    if cursor.cursor is None:
        dates = _dates_in(text, cursor)
        if dates:
            cursor.advance(max(dates))


def _tn_newsletter(s: dict, cursor: YearCursor, source: str) -> list[Segment]:
    summary = s["paras"][0].text
    intro = s.get("intro")
    name = "Newsletter"
    date, date_source, week = None, None, None
    if intro is not None:
        if "last issue of" in intro.text:
            name = re.search(r"last issue of (\w+)", intro.text).group(1)
        else:
            name = "Blockheads" if "blockchain" in intro.text else "Retailheads"
            w = WEEK_RE.search(intro.text)
            md_end = _month_day(w.group(3) or w.group(1), w.group(4))
            if md_end:
                date = cursor.resolve(*md_end)
                date_source = "week_range_end+feed_order" if date else None
                week = w.group(0).split("week of ", 1)[1]
    if date is None:
        dates = _dates_in(summary, cursor)
        if dates:
            date, date_source = max(dates), "summary_date+feed_order"
    cursor.advance(date)
    title = f"{name}: week of {week}" if week else name
    parent = content_id("technode", summary)
    if not s["items"]:
        seg = Segment(
            paras=[summary],
            kind="newsletter_summary",
            title=title,
            date=date,
            date_source=date_source,
        )
        seg.meta["source"] = source
        return [seg]
    out = []
    for item in s["items"]:
        seg = Segment(
            paras=[q.text for q in item],
            kind="newsletter_item",
            date=date,
            date_source=date_source,
            parent=parent,
            parent_title=title,
        )
        seg.meta.update(source=source, newsletter_summary=summary)
        out.append(seg)
    return out


def _tn_roundup(s: dict, cursor: YearCursor, source: str) -> list[Segment]:
    intro_text = " ".join(q.text for q in s["paras"])
    rdates = _dates_in(intro_text, cursor)
    # "for the week of Jan. 31-Feb. 6": the round-up's own date is the week's start.
    w = WEEK_RE.search(intro_text) or re.search(
        rf"week of ({_MONTH_RE})\.?\s+(\d{{1,2}})", intro_text
    )
    md = _month_day(w.group(1), w.group(2)) if w else None
    rdate = cursor.resolve(*md) if md else None
    rdate = rdate or (max(rdates) if rdates else None)
    cursor.advance(rdate)
    parent = content_id("technode", intro_text)
    title = s["paras"][0].text if s["paras"][0].kind == "heading" else None
    local = YearCursor(slack_days=0)
    local.cursor = rdate
    out = []
    intro = [q.text for q in s["paras"] if q.kind != "lead_in" and q.text != "Editor’s note:"]
    if intro and sum(len(t) for t in intro) > 200:
        seg = Segment(
            paras=intro,
            kind="roundup_intro",
            date=rdate,
            date_source="week_of+feed_order" if rdate else None,
            parent=parent,
            parent_title=title or "Round-up",
        )
        seg.meta.update(source=source)
        out.append(seg)
    for item in s["items"]:
        date = date_source = None
        body = list(item)
        if body and body[0].kind == "dateline":
            md = _month_day(*DATELINE_RE.match(body[0].text).groups())
            date = local.resolve(*md) if md else None
            date_source = "dateline+roundup_date" if date else None
            body = body[1:]
        ititle = body[0].text if body and body[0].kind == "heading" else None
        if ititle:
            body = body[1:]
            ititle = re.sub(
                r"^[A-Z][A-Za-z ]{2,20} \| ", "", ititle
            )  # "The Big Sell | ..." column tags
        if not body:
            continue
        seg = Segment(
            paras=[q.text for q in body],
            kind="roundup_item",
            title=ititle,
            date=date,
            date_source=date_source,
            parent=parent,
            parent_title=title or "Round-up",
        )
        seg.meta.update(source=source)
        out.append(seg)
    return out


# --------------------------------------------------------------------------- Caixin listing


def segment_caixin_listing(raw: str, source: str = "Caixin") -> list[Segment]:
    """Stories delimited by bylines; the headline list at the top gives their titles in order."""
    lines = [ln.strip() for ln in raw.splitlines()]
    bylines = [i for i, ln in enumerate(lines) if BYLINE_RE.match(ln)]
    header = [ln for ln in lines[: bylines[0]] if ln]
    # The headline list is the last len(bylines) non-empty header lines.
    titles = header[-len(bylines) :] if len(header) >= len(bylines) else [None] * len(bylines)
    out = []
    for k, b in enumerate(bylines):
        end = bylines[k + 1] if k + 1 < len(bylines) else len(lines)
        m = BYLINE_RE.match(lines[b])
        body = [
            ln for ln in lines[b + 1 : end] if ln and not any(p.search(ln) for p in CAIXIN_DROP)
        ]
        date = dt.datetime.strptime(f"{m['date']} {m['time']}", "%b %d, %Y %I:%M %p")
        seg = Segment(paras=body, kind="article", title=titles[k], date=date, date_source="byline")
        seg.meta.update(source=source, author=m["author"].removeprefix("By "), section=m["section"])
        out.append(seg)
    return out


# --------------------------------------------------------------------------- Caixin page


def segment_caixin_page(raw: str, source: str = "Caixin") -> list[Segment]:
    """Story bodies ending in 'Contact reporter'/'Related:' trailers; nav lists ('- ...') dropped.

    The page header is dated 2023 but the stories are older, so they get no date.
    """
    lines = [ln.strip() for ln in raw.splitlines()]
    start = next((i for i, ln in enumerate(lines) if ln.startswith("- ")), 0)
    while start < len(lines) and (lines[start].startswith("- ") or not lines[start]):
        start += 1
    out: list[Segment] = []
    body: list[str] = []
    in_trailer = False
    for ln in lines[start:]:
        if not ln:
            continue
        trailer = any(p.search(ln) for p in CAIXIN_DROP) or ln.startswith("- ")
        if trailer:
            in_trailer = True
            continue
        if in_trailer and body:
            out.append(Segment(paras=body, kind="article"))
            body = []
        in_trailer = False
        body.append(ln)
    if body:
        out.append(Segment(paras=body, kind="article"))
    for seg in out:
        seg.meta["source"] = source
    return out


# --------------------------------------------------------------------------- digest


def segment_digest(raw: str, source: str = "China Money Network") -> list[Segment]:
    """Blank-line separated blocks: a digest title, then headline / body blocks, then a promo footer."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", raw) if b.strip()]
    digest_title = blocks[0].splitlines()[0]
    parent = content_id("digest", raw[:200])
    out: list[Segment] = []
    cur: Segment | None = None
    for b in blocks[1:]:
        if re.search(r"Caishen\.Co|Introducing Finley|newsbot", b):
            break
        one_line = "\n" not in b
        is_head = one_line and len(b.split()) <= 25 and not re.search(r"[.!?”\"]$", b)
        if is_head:
            cur = Segment(kind="digest_item", title=b, parent=parent, parent_title=digest_title)
            cur.meta["source"] = source
            out.append(cur)
        elif cur is not None:
            cur.paras.extend(ln.strip() for ln in b.splitlines() if ln.strip())
    return [s for s in out if s.paras]


# --------------------------------------------------------------------------- single article


def _tweet_date(status_id: int) -> dt.date:
    """A tweet's creation time is encoded in its status id (snowflake)."""
    ms = (status_id >> 22) + 1288834974657
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC).date()


def segment_single(raw: str, source: str = "unknown") -> list[Segment]:
    """One article: embedded tweets, 'Related News' lists and promo footers removed."""
    paras: list[str] = []
    tweet_dates: list[dt.date] = []
    for ln in raw.splitlines():
        ln = ln.strip()
        if not ln:
            continue
        if ln in ("Related News",) or re.match(r"^Related News\b", ln):
            break
        for sid in re.findall(r"twitter\.com/\w+/status/(\d{15,})", ln):
            tweet_dates.append(_tweet_date(int(sid)))
        if re.search(r"pic\.twitter\.com|https?://t\.co/|^https?://twitter\.com/", ln) or re.match(
            r"^— .*\(@\w+\)", ln
        ):
            continue
        paras.append(ln)
    seg = Segment(paras=paras, kind="article")
    if tweet_dates:
        seg.date, seg.date_source = max(tweet_dates), "embedded_tweet_id"
    seg.meta["source"] = source
    return [seg]


# --------------------------------------------------------------------------- driver


def detect_format(raw: str) -> str:
    """Which segmenter fits a raw seed document."""
    lines = raw.splitlines()
    if sum(1 for ln in lines if BYLINE_RE.match(ln.strip())) >= 3:
        return "caixin_listing"
    if raw.count("]]>") >= 3:
        return "technode_rss"
    if sum(1 for ln in lines if re.match(r"^Contact (?:reporter|editor)", ln.strip())) >= 3:
        return "caixin_page"
    if lines and re.match(r"^[\w .&]+ Digest:", lines[0]):
        return "digest"
    return "single"


SEGMENTERS = {
    "technode_rss": (segment_technode, "TechNode", "technode"),
    "caixin_listing": (segment_caixin_listing, "Caixin", "caixin"),
    "caixin_page": (segment_caixin_page, "Caixin", "caixin"),
    "digest": (segment_digest, "China Money Network", "cmn"),
    "single": (segment_single, "web", "web"),
}


def segment_file(path: Path) -> list[dict]:
    """Article records (dicts) for one raw seed file, in document order."""
    raw = path.read_text(encoding="utf-8", errors="replace")
    fmt = detect_format(raw)
    func, source, prefix = SEGMENTERS[fmt]
    segs = func(raw, source=source)
    records = []
    seen: dict[str, int] = {}
    for seg in segs:
        text = "\n".join(seg.paras).strip()
        if not text:
            continue
        rid = content_id(prefix, text)
        seen[rid] = seen.get(rid, 0) + 1
        if seen[rid] > 1:
            rid = f"{rid}-{seen[rid]}"
        date = seg.date
        rec = {
            "id": rid,
            "title": seg.title,
            "date": date.isoformat() if date else None,
            "date_source": seg.date_source,
            "text": text,
            "source": seg.meta.get("source", source),
            "kind": seg.kind,
            "parent": seg.parent,
            "parent_title": seg.parent_title,
            "seed_file": path.name,
        }
        for k in ("author", "section"):
            if k in seg.meta:
                rec[k] = seg.meta[k]
        records.append(rec)
    return records


def iter_seed_records(seeds: Path | Iterable[Path]) -> Iterator[dict]:
    """All Article records from a seeds directory (sorted *.txt) or an explicit list of files."""
    if isinstance(seeds, Path):
        if not seeds.is_dir():
            raise FileNotFoundError(f"seeds directory not found: {seeds}")
        files: Iterable[Path] = sorted(seeds.glob("*.txt"))
    else:
        files = seeds
    for f in files:
        yield from segment_file(f)
