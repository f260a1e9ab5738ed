import pytest

from textwash.cleaning.end_rules import apply_end_rules
from textwash.cleaning.line_rules import apply_line_rules
from textwash.model.page import Page
from textwash.cleaning.ruleset import load_rules, parse_rules

PROSE = "The minister said on Tuesday that the talks would resume next week in the capital."


def cleaned(text: str) -> Page:
    page = Page.from_text(text)
    rules = load_rules()
    apply_line_rules(page, rules)
    apply_end_rules(page, rules)
    return page


@pytest.mark.parametrize(
    "line, reason",
    [
        ("Follow us on social", "share or follow buttons"),
        ("Share this article", "share or follow buttons"),
        ("Facebook Twitter Email", "share or follow buttons"),
        ("Folgen Sie uns auf Twitter", "share or follow buttons"),
        ("newsletter cta", "call-to-action button or prompt"),
        ("Continue reading", "call-to-action button or prompt"),
        ("keep readingShow less", "call-to-action button or prompt"),
        ("Advertisement", "call-to-action button or prompt"),
        ("Sign up for our daily newsletter", "newsletter or subscription prompt"),
        ("Subscribe now to our weekly round-up and never miss a story from our reporters.", "newsletter or subscription prompt"),
        ("IMG_20190412_123456.jpg", "image file name"),
        ("Stock_987654321-scaled", "image file name"),
        ("Photo: Jane Doe/Agency", "image caption or credit"),
        ("Top image credit: A man walks past a mural in the old town. (Agency)", "image caption or credit"),
        ("Rescue workers search the rubble (John Smith / Example Photos)", "image caption or credit"),
    ],
)
def test_line_rules_remove_chrome_with_reason(line, reason):
    page = cleaned(f"{PROSE}\n\n{line}\n\n{PROSE}")
    assert page.text() == f"{PROSE}\n\n{PROSE}"
    assert page.removed() == [{"text": line, "reason": reason, "paragraph": 1}]


@pytest.mark.parametrize(
    "line",
    [
        "Cease fire probably not",
        '"Humanitarian disaster"',
        "Share prices fell sharply on Monday after the central bank raised interest rates again.",
        "He said he would follow us on the long road to the border, whatever the risk.",
        "Die Regierung will die Schulden bis 2025 senken, sagte der Minister am Dienstag.",
    ],
)
def test_article_lines_stay(line):
    page = cleaned(f"{PROSE}\n\n{line}\n\n{PROSE}")
    assert line in page.text()
    assert page.removed() == []


def test_video_stub_takes_its_title_line_along():
    page = cleaned(f"{PROSE}\n\nThe next crisis?\n03:12 - Source: Example News\n\n{PROSE}")
    assert [cut["text"] for cut in page.removed()] == ["The next crisis?", "03:12 - Source: Example News"]
    assert page.text() == f"{PROSE}\n\n{PROSE}"


def test_end_note_cuts_everything_after_it():
    teaser = "Another story: the markets rallied as investors shrugged off the latest figures."
    page = cleaned(f"{PROSE}\n\n{PROSE}\n\n{PROSE}\n\nThis article was originally published by Example Review.\n\n{teaser}\nLATEST")
    assert page.text() == "\n\n".join([PROSE] * 3)
    assert [cut["reason"] for cut in page.removed()] == [
        "republication or origin note",
        "after end of article (republication or origin note)",
        "after end of article (republication or origin note)",
    ]


def test_end_note_before_the_article_cuts_nothing():
    page = cleaned(f"This article was originally published in 2019.\n\n{PROSE}\n\n{PROSE}")
    assert page.removed() == []


def test_rules_file_errors_name_the_rule():
    with pytest.raises(ValueError, match="broken"):
        parse_rules("[[line]]\nname = 'broken'\nreason = 'x'\npatterns = ['(unclosed']\n")


def test_custom_rules_file(tmp_path):
    path = tmp_path / "rules.toml"
    path.write_text("[[line]]\nname = 'promo'\nreason = 'house promotion'\npatterns = ['buy the print edition']\n")
    page = Page.from_text(f"{PROSE}\nBuy the print edition")
    apply_line_rules(page, load_rules(str(path)))
    assert page.removed() == [{"text": "Buy the print edition", "reason": "house promotion", "paragraph": 1}]
