"""Seeded synthetic captures in the archive format, of realistic lengths.

Words come as they do in English, by Zipf's law: WORDS is in order of use,
the n-th about 1/n as frequent as the first, so that "the" is in every
comment and "vote" in a few in a hundred (a uniform choice among them would
put every word in a quarter of all comments, which no archive does)."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

WORDS = (
    "the of and to a in that is was he for it with as his on be at by had are but from or "
    "have an they which one you were her all she there would their we him been has when "
    "who will more no if out so said what up its about into than them can only other new "
    "some could time these two may then do first any my now such like our over man me even "
    "most made after also did many before must through back years where much your way well "
    "down should because each just those people how too little state good very make world "
    "still own see men work long get here between both life being under never day same "
    "another know while last might us great old year off come since against go came right "
    "used take council bridge vote war iran congress senate court ruling budget election "
    "campaign"
).split()
NAMES = [
    "Allahpundit", "Ed Morrissey", "Rick on the Range", "steveegg", "SailorDave", "TexasDan",
    "Purple Avenger", "Deacon Blue", "Lisa in Lakewood", "ReloadingRon", "Kafir", "Blacklake",
    "See-Dubya", "Zorro", "csdeven", "Romeo13", "Buck Turgidson", "Phil Byler", "VolMom",
    "Raúl in Rio Rancho", "Thunder Road", "Montana Maggie", "Wolfpack Wendy", "bnelson44",
]  # fmt: skip
MONTHS = "January February March April May June July August September October November December"
MONTH_NAMES = MONTHS.split()
_ZIPF = list(itertools.accumulate(1 / rank for rank in range(1, len(WORDS) + 1)))


def _sentence(rng: random.Random, low: int, high: int) -> str:
    words = rng.choices(WORDS, cum_weights=_ZIPF, k=rng.randint(low, high))
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random, sentences: tuple[int, int]) -> str:
    return " ".join(_sentence(rng, 6, 22) for _ in range(rng.randint(*sentences)))


def _clock(moment: datetime, upper: bool) -> str:
    ampm = "AM" if moment.hour < 12 else "PM"
    return f"{moment.hour % 12 or 12}:{moment.minute:02d} {ampm if upper else ampm.lower()}"


def _day(moment: datetime) -> str:
    return f"{MONTH_NAMES[moment.month - 1]} {moment.day}, {moment.year}"


RECURRING = ["Open thread", "Quotes of the day", "Headlines", "Video", "Breaking"]


def titles(rng: random.Random, count: int) -> list[str]:
    """A blog's titles: a few that come back every week, and others that
    return now and then (a sequel, a follow-up, the same news again)."""
    return RECURRING + [_sentence(rng, 2, 8)[:-1] for _ in range(max(1, count - len(RECURRING)))]


def capture(rng: random.Random, n: int, comments: int, title: str | None = None) -> str:
    """One capture: a post of 4-10 paragraphs, `comments` comments of 1-3."""
    # Noon-ish start times keep clear of daylight-saving changes at 1-3 AM.
    published = datetime(2005, 1, 1, 9, tzinfo=UTC) + timedelta(days=n // 4, hours=3 * (n % 4))
    lines = [
        title or f"Synthetic post {n}: {_sentence(rng, 3, 9)[:-1]}",
        "",
        f"posted at {_clock(published, False)} on {_day(published)} by {rng.choice(NAMES[:2])}",
        "",
    ]
    for _ in range(rng.randint(4, 10)):
        lines += [_paragraph(rng, (1, 5)), ""]
    lines += ["Related Posts:", "", "Breaking on Hot Air", "", "", "", "Trackback URL", "", ""]
    posted = published
    for _ in range(comments):
        posted += timedelta(minutes=rng.randint(0, 9))
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
            lines += [_paragraph(rng, (1, 3)), ""]
        lines += [f"{rng.choice(NAMES)} on {_day(posted)} at {_clock(posted, True)}", ""]
    return "\n".join(lines)


def write_captures(folder: Path, files: int, comments: int, seed: int) -> int:
    """Write `files` captures averaging `comments` comments, their titles
    repeating as a blog's do and one in a hundred a long argument (twenty
    times the comments); return the comment count."""
    rng = random.Random(seed)
    pool = titles(rng, max(10, files // 30))
    total = 0
    for n in range(files):
        count = max(0, round(rng.gauss(comments, comments / 3)))
        if rng.random() < 0.01:
            count *= 20
        total += count
        path = folder / f"{n // 1000:03d}" / f"capture-{n:06d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(capture(rng, n, count, rng.choice(pool)))
    return total
