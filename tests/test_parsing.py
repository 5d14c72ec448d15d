"""The archive parser against every rule of the capture format."""

import json
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from importers.parsing import ArchiveError, parse_archive
from tests.conftest import ARCHIVES, NEW_YORK

HEAD = "A title\n\nposted at 7:27 pm on March 21, 2007 by Allahpundit\n\nThe body.\n\n"
CHROME = "Related Posts:\n\nBreaking on Hot Air\n\nTrackback URL\n\n"


def parse(text: str | bytes, zone: ZoneInfo = NEW_YORK):
    data = text.encode() if isinstance(text, str) else text
    return parse_archive(data, path="x.txt", zone=zone)


def error_of(text: str | bytes) -> ArchiveError:
    with pytest.raises(ArchiveError) as raised:
        parse(text)
    return raised.value


def with_comments(comments: str) -> str:
    return HEAD + CHROME + comments


@pytest.mark.parametrize("capture", sorted(ARCHIVES.glob("*.txt")), ids=lambda p: p.stem)
def test_sample_captures_parse_exactly_as_expected(capture):
    expected = json.loads((ARCHIVES / "expected" / f"{capture.stem}.jsonl").read_text())
    parsed = parse_archive(capture.read_bytes(), path=str(capture), zone=NEW_YORK)
    record = parsed.as_json(str(capture))
    assert record.pop("source") == str(capture)
    assert record == expected
    assert parsed.warnings == ()


def test_title_byline_and_body():
    archive = parse(HEAD + "Second paragraph,\nwith a kept line break.\n")
    assert archive.title == "A title"
    assert archive.author == "Allahpundit"
    assert archive.published.isoformat() == "2007-03-21T19:27:00-04:00"
    assert archive.published_text == "7:27 pm on March 21, 2007"
    assert archive.body == ("The body.", "Second paragraph,\nwith a kept line break.")
    assert archive.comments == ()


def test_byline_matches_any_case_runs_of_blanks_and_leading_zeros():
    archive = parse("T\nPOSTED\tAT  07:05 AM on  MARCH 01,   2007 by\t Ed  Morrissey \n")
    assert archive.published.isoformat() == "2007-03-01T07:05:00-05:00"
    assert archive.author == "Ed Morrissey"
    assert archive.published_text == "07:05 AM on  MARCH 01,   2007"


def test_authors_keep_each_run_of_blanks_as_one_space():
    archive = parse(
        "T\nposted at 7:27 pm on March 21, 2007 by Jim \t Treacher\n\n"
        + CHROME
        + "Hi.\n\nJim  Treacher on March 21, 2007 at 7:33 PM\n"
        + "Yo.\nTennessee\t\tTina on March 21, 2007 at 7:34 PM\n"
    )
    assert archive.author == "Jim Treacher"
    assert [c.author for c in archive.comments] == ["Jim Treacher", "Tennessee Tina"]


def test_comment_pages_lines_are_dropped_wherever_they_stand():
    archive = parse(
        with_comments(
            "Comment pages: 1 2 3\n\nFirst.\n\nA on March 21, 2007 at 7:33 PM\n"
            "Second.\nComment pages: 1 2 3\nThird.\nB on March 21, 2007 at 7:34 PM\n"
            "\nComment pages:\t1  2\n"
        )
    )
    assert [(c.author, c.body) for c in archive.comments] == [
        ("A", ("First.",)),
        ("B", ("Second.", "Third.")),
    ]
    assert archive.warnings == ()


@pytest.mark.parametrize(
    "line", ["Comment pages:", "Comment pages: next", "comment pages: 1 2", "Comment pages: 1 2 »"]
)
def test_other_comment_pages_lines_are_text(line):
    (comment,) = parse(with_comments(f"{line}\n\nA on March 21, 2007 at 7:33 PM\n")).comments
    assert comment.body == (line,)


def test_comment_pages_line_in_the_body_is_text():
    archive = parse(HEAD + "Comment pages: 1 2\n")
    assert archive.body == ("The body.", "Comment pages: 1 2")


def test_surrounding_whitespace_and_blank_lines_are_ignored():
    archive = parse(
        "\n \n\t  A title  \n   \n posted at 7:27 pm on March 21, 2007 by A \n\n\n x \n"
    )
    assert (archive.title, archive.author, archive.body) == ("A title", "A", ("x",))


def test_author_containing_on_takes_the_last_date():
    archive = parse(with_comments("Howdy.\n\nRick on the Range on March 3, 2008 at 1:05 AM\n"))
    (comment,) = archive.comments
    assert comment.author == "Rick on the Range"
    assert comment.posted.isoformat() == "2008-03-03T01:05:00-05:00"
    assert comment.posted_text == "March 3, 2008 at 1:05 AM"


def test_author_that_itself_looks_like_a_signature():
    line = "Bob on March 3, 2008 at 1:05 AM on March 4, 2008 at 2:10 PM"
    (comment,) = parse(with_comments(f"Hi.\n{line}\n")).comments
    assert comment.author == "Bob on March 3, 2008 at 1:05 AM"
    assert comment.posted.isoformat() == "2008-03-04T14:10:00-05:00"


@pytest.mark.parametrize(
    ("clock", "expected"),
    [
        ("12:00 AM", "2007-03-21T00:00:00-04:00"),
        ("12:59 AM", "2007-03-21T00:59:00-04:00"),
        ("12:00 PM", "2007-03-21T12:00:00-04:00"),
        ("12:30 pm", "2007-03-21T12:30:00-04:00"),
        ("1:00 AM", "2007-03-21T01:00:00-04:00"),
        ("11:59 PM", "2007-03-21T23:59:00-04:00"),
    ],
)
def test_twelve_am_is_after_midnight_and_twelve_pm_after_noon(clock, expected):
    (comment,) = parse(with_comments(f"Hi.\nSam on March 21, 2007 at {clock}\n")).comments
    assert comment.posted.isoformat() == expected


@pytest.mark.parametrize(
    ("date", "offset"),
    [
        ("March 21, 2007 at 7:33 PM", "-04:00"),  # EDT under the 2007 rules
        ("March 10, 2007 at 7:33 PM", "-05:00"),  # still EST
        ("October 30, 2006 at 7:33 PM", "-05:00"),  # EST under the 2006 rules
        ("April 1, 2006 at 7:33 PM", "-05:00"),  # 2006 DST began April 2
        ("July 4, 2008 at 7:33 PM", "-04:00"),
    ],
)
def test_daylight_saving_rules_of_each_date(date, offset):
    (comment,) = parse(with_comments(f"Hi.\nSam on {date}\n")).comments
    assert comment.posted.isoformat().endswith(offset)
    assert parse(with_comments(f"Hi.\nSam on {date}\n")).warnings == ()


def test_repeated_hour_takes_first_occurrence_with_a_warning():
    archive = parse(with_comments("Hi.\n\nSam on November 4, 2007 at 1:30 AM\n"))
    assert archive.comments[0].posted.isoformat() == "2007-11-04T01:30:00-04:00"
    (warning,) = archive.warnings
    assert warning.line == 15
    assert str(warning).startswith("x.txt:15: warning: ")
    assert "occurs twice" in warning.message


def test_skipped_hour_takes_offset_before_the_change_with_a_warning():
    archive = parse(with_comments("Hi.\n\nSam on March 11, 2007 at 2:30 AM\n"))
    assert archive.comments[0].posted.isoformat() == "2007-03-11T02:30:00-05:00"
    (warning,) = archive.warnings
    assert "does not exist" in warning.message


def test_other_time_zone():
    archive = parse(HEAD, zone=ZoneInfo("Europe/London"))
    assert archive.published.isoformat() == "2007-03-21T19:27:00+00:00"
    archive = parse(HEAD.replace("March 21", "July 21"), zone=ZoneInfo("Europe/London"))
    assert archive.published.utcoffset() == timedelta(hours=1)


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_line_endings(newline):
    text = with_comments("One\nline.\n\nSam on March 21, 2007 at 8:00 PM\n").replace("\n", newline)
    archive = parse(text)
    assert archive.comments[0].body == ("One\nline.",)
    assert archive.comments[0].line == 16


def test_byte_order_mark_is_dropped():
    archive = parse(b"\xef\xbb\xbf" + HEAD.encode())
    assert archive.title == "A title"
    assert archive.warnings == ()


def test_no_final_newline():
    archive = parse(with_comments("Last.\n\nSam on March 21, 2007 at 8:00 PM"))
    assert archive.comments[0].author == "Sam"


def test_only_cr_lf_and_crlf_end_lines():
    archive = parse(HEAD + "one\u2028two\x0cthree\x85four\n")
    assert archive.body[-1] == "one\u2028two\x0cthree\x85four"


def test_windows_1252_fallback_with_a_file_warning():
    data = HEAD.encode() + b"It\x92s \x93quoted\x94 \x80 and \x81\x8d\x8f\x90\x9d.\n"
    archive = parse(data)
    assert archive.body[-1] == "It\u2019s \u201cquoted\u201d \u20ac and \x81\x8d\x8f\x90\x9d."
    (warning,) = archive.warnings
    assert warning.line is None
    assert str(warning) == "x.txt: warning: not valid UTF-8; read as Windows-1252"


def test_no_chrome_means_no_comments_section():
    archive = parse(HEAD + "Trackback URL is below.\n\nSam on March 21, 2007 at 8:00 PM\n")
    assert archive.comments == ()
    assert archive.body == (
        "The body.",
        "Trackback URL is below.",
        "Sam on March 21, 2007 at 8:00 PM",
    )


@pytest.mark.parametrize("first", ["Related Posts:", "Breaking on Hot Air", "Trackback URL"])
def test_chrome_may_start_with_any_of_its_lines(first):
    chrome = f"{first}\n\nOther post title\n\nTrackback URL\n\n"
    archive = parse(HEAD + chrome + "Hi.\n\nSam on March 21, 2007 at 8:00 PM\n")
    assert archive.body == ("The body.",)
    assert [c.author for c in archive.comments] == ["Sam"]


def test_comments_keep_paragraphs_and_line_breaks():
    archive = parse(
        with_comments(
            "First line\nsecond line.\n\nNew paragraph.\n\nAnn on March 21, 2007 at 8:00 PM\n\n"
            "Short.\n\nBob on March 21, 2007 at 8:05 PM\n"
        )
    )
    ann, bob = archive.comments
    assert ann.body == ("First line\nsecond line.", "New paragraph.")
    assert (ann.line, bob.line) == (18, 22)
    assert bob.body == ("Short.",)


def test_a_signature_inside_a_paragraph_still_closes_the_comment():
    archive = parse(
        with_comments(
            "One.\nAnn on March 21, 2007 at 8:00 PM\nTwo.\nBob on March 21, 2007 at 8:05 PM"
        )
    )
    assert [(c.author, c.body) for c in archive.comments] == [
        ("Ann", ("One.",)),
        ("Bob", ("Two.",)),
    ]


def test_a_comment_may_have_no_paragraphs():
    archive = parse(
        with_comments("Ann on March 21, 2007 at 8:00 PM\nBob on March 21, 2007 at 8:05 PM\n")
    )
    assert [c.body for c in archive.comments] == [(), ()]


def test_a_line_that_mentions_a_date_is_not_a_signature():
    archive = parse(
        with_comments(
            "As Sam said on March 21, 2007 at 8:00 PM, no.\n"
            "Sam on March 21, 2007 at 8:00 PM, he said\n"
            "Sam on Marchember 21, 2007 at 8:00 PM\n\nAnn on March 21, 2007 at 8:05 PM\n"
        )
    )
    (comment,) = archive.comments
    assert comment.author == "Ann"
    assert len(comment.body[0].split("\n")) == 3


def test_paragraphs_after_the_last_signature_are_dropped_with_a_warning():
    archive = parse(
        with_comments("Hi.\n\nAnn on March 21, 2007 at 8:00 PM\n\nDangling.\n\nMore.\n")
    )
    assert [c.author for c in archive.comments] == ["Ann"]
    (warning,) = archive.warnings
    assert warning.line == 17
    assert "2 paragraph(s)" in warning.message


def test_comments_section_without_any_signature_is_dropped_with_a_warning():
    archive = parse(with_comments("Nobody signed this.\n"))
    assert archive.comments == ()
    (warning,) = archive.warnings
    assert warning.line == 13
    assert "no signature" in warning.message


def test_chrome_lines_inside_the_comments_are_text():
    archive = parse(
        with_comments("Related Posts:\nTrackback URL\n\nAnn on March 21, 2007 at 8:00 PM\n")
    )
    assert archive.comments[0].body == ("Related Posts:\nTrackback URL",)


# Errors: each names the line at fault.


@pytest.mark.parametrize("text", ["", "\n\n  \n", "\ufeff"])
def test_empty_file_is_an_error_on_line_1(text):
    error = error_of(text)
    assert (error.line, str(error)) == (1, "x.txt:1: empty file: no title")


def test_missing_byline_points_at_the_line_after_the_title():
    error = error_of("A title\n\nNot a byline at all\n")
    assert error.line == 3
    assert str(error).startswith("x.txt:3: missing byline")


def test_title_alone_points_at_the_line_after_it():
    assert error_of("\nA title\n").line == 3
    assert error_of("\nA title").line == 3


def test_chrome_without_trackback_url_points_at_the_chrome_line():
    error = error_of(HEAD + "Related Posts:\n\nSomething\n\nAnn on March 21, 2007 at 8:00 PM\n")
    assert error.line == 7
    assert "Trackback URL" in error.message


@pytest.mark.parametrize(
    ("signature", "what"),
    [
        ("Ann on February 30, 2007 at 8:00 PM", "date does not exist"),
        ("Ann on February 29, 2007 at 8:00 PM", "date does not exist"),
        ("Ann on April 31, 2007 at 8:00 PM", "date does not exist"),
        ("Ann on March 0, 2007 at 8:00 PM", "date does not exist"),
        ("Ann on March 21, 2007 at 13:05 PM", "time does not exist"),
        ("Ann on March 21, 2007 at 0:05 AM", "time does not exist"),
        ("Ann on March 21, 2007 at 7:60 PM", "time does not exist"),
    ],
)
def test_impossible_signature_date_is_an_error_on_its_line(signature, what):
    error = error_of(with_comments(f"Hi.\n\n{signature}\n"))
    assert error.line == 15
    assert what in error.message


def test_leap_day_exists_in_leap_years():
    (comment,) = parse(with_comments("Hi.\nAnn on February 29, 2008 at 8:00 PM\n")).comments
    assert comment.posted.day == 29


def test_impossible_byline_date_is_an_error_on_the_byline():
    error = error_of("T\n\nposted at 7:27 pm on February 30, 2007 by Allahpundit\n")
    assert error.line == 3
    assert "date does not exist" in error.message


def test_a_nul_character_is_an_error_naming_its_line():
    error = error_of(with_comments("Fine.\r\nA on March 21, 2007 at 7:33 PM\r\nBad\x00 byte.\n"))
    assert error.line == HEAD.count("\n") + CHROME.count("\n") + 3
    assert error.message == "a NUL character (byte 0), which no text can hold"
