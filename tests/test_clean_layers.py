"""Each cleaning layer on crafted pages: what it must remove, what it must keep, and the reason."""
from __future__ import annotations

from textwash.cleaning.line_rules import apply_line_rules
from textwash.cleaning.line_classes import LineClass, classify, stoplist
from textwash.reasons import MODEL_FAMILY
from textwash.model.page import Line, Page
from textwash.document import clean_text
from textwash.cleaning.ruleset import load_rules

PROSE = [
    "The city council voted on Tuesday to expand the bus network into the northern districts, "
    "a plan that has been debated for more than three years by residents and planners.",
    "Under the plan, the council will add four new bus routes and extend two existing ones, and "
    "the buses on the busiest routes will run every ten minutes during the day.",
    "Residents of the northern districts have long said that the buses in their area are too few "
    "and too slow, and that the council has neglected them for years.",
    "The council expects the new bus routes to carry about twelve thousand residents a day once "
    "they are running, and it will pay for them from the city's transport budget.",
    "Opponents on the council argued that the transport budget is already stretched by repairs to "
    "old buses and bridges, and that the northern routes will run half empty outside rush hours.",
    "Planners answered that ridership on comparable routes in the southern districts doubled within "
    "two years, and that residents without cars depend on buses to reach jobs and schools.",
    "The mayor welcomed the vote, saying that the northern districts had waited too long for "
    "reliable transport and that the new routes would connect them with hospitals and markets.",
    "Construction of new bus stops and shelters along the northern routes will begin in the "
    "spring, and the council will hire forty drivers before the routes open to passengers.",
    "Residents can comment on the proposed stops and timetables at public meetings in the "
    "northern districts over the coming weeks, the council's transport office said.",
]


def page_of(*lines: str) -> Page:
    return Page.from_text("\n\n".join(lines))


def reasons(page: Page) -> dict[str, str | None]:
    return {line.text: line.reason for line in page.lines if line.text}


def test_menu_run_before_the_article_is_cut_by_the_model():
    menu = ["Home", "World", "Business", "Sport", "Culture", "Opinion"]
    page, _ = clean_text("\n".join(["Skip to content", *menu, "", *PROSE]), load_rules())
    for item in menu:
        assert reasons(page)[item].startswith(f"{MODEL_FAMILY}:")
    assert all(reasons(page)[p] is None for p in PROSE)


def test_sub_heading_and_one_line_quote_inside_the_article_stay():
    lines = [PROSE[0], PROSE[1], "Who pays for it", PROSE[2], "“We have waited long enough.”", *PROSE[3:]]
    page, _ = clean_text("\n\n".join(lines), load_rules())
    assert page.text().split("\n\n") == lines


def test_share_bar_lines_are_removed_by_the_rules():
    page = Page.from_text("\n".join(["Share this article", "Facebook Twitter Email", "Follow us on Instagram", *PROSE]))
    apply_line_rules(page, load_rules())
    assert reasons(page)["Share this article"] == "share or follow buttons"
    assert reasons(page)["Facebook Twitter Email"] == "share or follow buttons"
    assert reasons(page)["Follow us on Instagram"] == "share or follow buttons"
    assert len(page.kept()) == len(PROSE)


def test_a_bulleted_list_item_is_judged_as_the_same_line_without_its_bullet():
    # inscriptis writes list items as "* item", a level down "+ item"; html-text writes "item".
    steps = ["* Check the timetable for your route.", "+ Buy a ticket before you board."]
    page = Page.from_text("\n".join(["* Share this article", "+ Facebook Twitter Email", "• Reply", PROSE[0], *steps]))
    apply_line_rules(page, load_rules())
    assert reasons(page)["Share this article"] == reasons(page)["Facebook Twitter Email"] == "share or follow buttons"
    assert reasons(page)["Reply"] is not None
    # The bullets stay with their lines: in the text kept, and in what was cut.
    assert page.text().split("\n\n") == [PROSE[0], *steps]
    assert [cut["text"] for cut in page.removed()] == ["* Share this article", "+ Facebook Twitter Email", "• Reply"]


def test_lines_in_a_language_without_a_stoplist_are_judged_by_size_and_punctuation():
    japanese = "市議会は火曜日、北部地区へのバス路線の拡大を決めた。住民は長年、バスが少なく遅いと訴えてきた。計画では新しい路線が四本加わる。"
    assert stoplist("ja") is None
    assert Line(1, japanese).size > 20
    page = page_of("ホーム", japanese, japanese.replace("四本", "五本"))
    assert classify(page, "ja")[page.kept()[1].number] is LineClass.GOOD


def test_words_keep_their_vowel_signs_so_a_hindi_paragraph_reads_as_prose():
    # Devanagari vowel signs are combining marks, not \w: split at them, the words matched none of
    # the Hindi stopwords and this paragraph was judged BAD (stopword share 0.19 of 36 "words").
    hindi = ("नगर परिषद ने मंगलवार को शहर के उत्तरी इलाकों में बस सेवा बढ़ाने का फैसला किया, "
             "और कहा कि नई बसें अगले साल से चलेंगी।")
    line = Line(1, hindi)
    assert line.words == 25 and "मंगलवार" in line.tokens and line.ends_sentence
    page = page_of("होम", hindi, hindi.replace("अगले", "इस"))
    assert classify(page, "hi")[page.kept()[1].number] is LineClass.GOOD


def test_end_rules_wait_for_prose_counted_by_line_class():
    # A copyright line among the header's links must not end the article before it starts.
    text = "\n\n".join(["Home", "© 2019 Example Media Group", "Markets", *PROSE, "Copyright 2019 Example Media"])
    page, _ = clean_text(text, load_rules())
    assert [line.text for line in page.kept()] == PROSE
    assert reasons(page)["Copyright 2019 Example Media"] == "copyright notice"


def test_comment_section_heading_closes_the_article_even_before_long_comments():
    comments = [
        "Leave a Reply",
        "Maria November 19, 2019 at 5:10 pm",
        "I have been waiting for a bus in the northern districts for years and I think the council "
        "finally did the right thing, although it took them far too long to decide anything at all.",
        "Reply",
        "Tom November 19, 2019 at 6:44 pm",
        "The buses will be empty outside rush hours and we will all pay for it through the budget, "
        "mark my words, because this council has never once finished a transport project on time.",
    ]
    page, _ = clean_text("\n\n".join([*PROSE[:4], *comments]), load_rules())
    assert [line.text for line in page.kept()] == PROSE[:4]
    assert reasons(page)["Leave a Reply"] == "comment section"


def test_a_popular_stories_box_inside_the_article_does_not_end_it():
    box = ["Most Read", "Storm closes mountain pass for the weekend", "Bakery wins national bread prize"]
    page, _ = clean_text("\n\n".join([PROSE[0], *box, *PROSE[1:]]), load_rules())
    assert [line.text for line in page.kept()] == PROSE
    assert reasons(page)["Most Read"] == "related or popular stories box"


def test_caption_and_related_link_rules():
    lines = [
        "Photo by Jane Doe/Example Agency",
        "A bus waits at the depot in the northern districts. Credit: City Council",
        "Credit: Harbour Authority/Jane Doe",
        "Related: Council approves the new budget for road repairs",
        "Save my name, email, and website in this browser for the next time I comment.",
    ]
    # A one-line dump glues the sentence after a credit to it: the sentence is the article's.
    glued = "Credit: Example Agency  The ferry service will resume on Monday after two weeks of repairs to the pier."
    page = Page.from_text("\n".join([*lines, glued, *PROSE]))
    apply_line_rules(page, load_rules())
    assert [reasons(page)[line] for line in lines] == [
        "image caption or credit", "image caption or credit", "image caption or credit", "link to a related story",
        "comment form",
    ]
    assert [line.text for line in page.kept()] == [glued, *PROSE]


def test_time_stamps_between_live_blog_entries_do_not_end_the_article():
    entries = ["4:14 p.m.", PROSE[0], PROSE[1], "3:40 p.m.", PROSE[2], "2:05 p.m.", PROSE[3], PROSE[4]]
    page, _ = clean_text("\n\n".join(entries), load_rules())
    assert [line.text for line in page.kept()] == PROSE[:5]
    assert reasons(page)["3:40 p.m."].startswith("date or time stamp")
