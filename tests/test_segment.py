"""Segments of a line: a one-line dump cut at its seams, a paragraph kept whole, any text joined
back exactly, and no piece unbounded."""
from __future__ import annotations


from hypothesis import given
from hypothesis import strategies as st

from textwash.cleaning.segment import MAX_PIECE, MIN_CHARS, split_line

MENU = "Home News Sport Business Travel Culture Weather Share Tweet Email"
ARTICLE = [
    "The city council voted on Tuesday to expand the bus network into the northern districts, a "
    "plan that has been debated for more than three years by residents and planners.",
    "Under the plan, the council will add four new bus routes and extend two existing ones, and the "
    "buses on the busiest routes will run every ten minutes during the day.",
    "Residents of the northern districts have long said that the buses in their area are too few "
    "and too slow, and that the council has neglected them for years.",
    "The council expects the new routes to carry about twelve thousand residents a day once they "
    "are running, and it will pay for them from the city's transport budget.",
    "Opponents argued that the transport budget is already stretched by repairs to old buses and "
    "bridges, and that the northern routes will run half empty outside rush hours.",
    "Planners answered that ridership on comparable routes in the southern districts doubled within "
    "two years, and that residents without cars depend on buses to reach jobs and schools.",
    "The mayor welcomed the vote, saying that the northern districts had waited too long for "
    "reliable transport and that the new routes would connect them with hospitals and markets.",
    "Construction of new bus stops and shelters along the northern routes will begin in the spring, "
    "and the council will hire forty drivers before the routes open to passengers.",
    "Residents can comment on the proposed stops and timetables at public meetings in the northern "
    "districts over the coming weeks, the council's transport office said.",
    "The first of the new routes is expected to open next autumn, with the rest following over the "
    "next eighteen months as the drivers finish their training.",
    "Bus fares on the new routes will be the same as elsewhere in the city, and monthly passes "
    "bought for the existing network will be valid on them from the first day.",
    "A review of the routes after their first year will decide whether the buses run more often in "
    "the evenings and on weekends, the council said in a statement after the vote.",
]
COMMENTS = "Comments Sign In Register Mary Jones 3 hours ago finally some good news for the north"
FOOTER = "About Us Contact Privacy Policy Terms of Use Cookie Settings"


def stripped(text: str) -> list[str]:
    return [piece.strip() for piece in split_line(text)]



def test_one_line_dump_splits_at_menu_runs_and_sentence_ends():
    page = " ".join([MENU, *ARTICLE, COMMENTS, FOOTER])
    pieces = stripped(page)
    assert pieces[0] == MENU
    assert pieces[1:1 + len(ARTICLE)] == ARTICLE
    # The comment thread's header, its text without punctuation, then the footer's links (the
    # lower-case "of" ends one run; the next starts with the word before the prose it might start).
    assert pieces[1 + len(ARTICLE):] == ["Comments Sign In Register Mary Jones",
                                         "3 hours ago finally some good news for the north",
                                         "About Us Contact Privacy Policy", "Terms of Use Cookie Settings"]


def test_menu_run_before_a_capitalised_sentence_start_leaves_the_first_word_with_the_prose():
    page = MENU + " The " + ARTICLE[0][4:] + " " + ARTICLE[1]
    assert stripped(page) == [MENU, page[len(MENU):].strip()]


def test_normal_paragraph_stays_whole():
    paragraph = " ".join(ARTICLE[:6])  # about 1,000 characters: a long paragraph of a line dump
    assert len(paragraph) > MIN_CHARS
    assert split_line(paragraph) == [paragraph]
    assert split_line("Share") == ["Share"]


def test_no_cut_leaves_a_piece_under_four_words():
    page = " ".join(["Thanks.", *ARTICLE, "Yes. No.", "Ok."])
    pieces = stripped(page)
    assert pieces[0] == "Thanks. " + ARTICLE[0]
    assert pieces[-1] == ARTICLE[-1] + " Yes. No. Ok."


def test_abbreviations_and_initials_do_not_cut():
    text = ARTICLE[0] + " J. K. Rowling met e.g. the U.S. Army there. " + " ".join(ARTICLE[1:])
    assert "J. K. Rowling met e.g. the U.S. Army there." in stripped(text)


def test_cjk_sentences_split():
    sentences = ["東京都は月曜日、新しいバス路線を、北部の地区に、広げる計画を発表した。",
                 "計画では、四つの路線を新設し、既存の、二つの路線を延長する。",
                 "住民は長年、バスの本数が、少なすぎると、訴えてきた！",
                 "市長は「北部の住民は、十分に待った」と、述べた。"]
    text = "".join(sentences * 12)  # unspaced: a character counts as three toward the length
    pieces = split_line(text)
    assert pieces[:4] == sentences
    assert len(pieces) == 4 * 12
    assert split_line("".join(sentences)) == ["".join(sentences)]  # under MIN_CHARS
    # Sentences of fewer than four word runs join the next until the piece holds four.
    short = ["今日は晴れです。", "明日は雨が降るでしょう。", "傘を、持って、行きましょう、ね。"]
    pieces = split_line("".join(short) * 40)
    assert pieces[:2] == ["今日は晴れです。明日は雨が降るでしょう。傘を、持って、行きましょう、ね。",
                          "今日は晴れです。明日は雨が降るでしょう。傘を、持って、行きましょう、ね。"]


def test_a_space_between_unspaced_words_is_a_seam_in_a_one_line_dump():
    """Chinese prose has no spaces inside its sentences: in a one-line dump, the spaces between
    the page's header items and before the first paragraph are where its blocks meet."""
    header = "首页 新闻 正文 2023-11-17 20:52 来源：新华社 "
    paragraph = "市议会周二投票决定，把公交线路扩展到北部地区，这项计划已经讨论了三年多。"
    pieces = split_line(header + paragraph * 30)
    assert pieces[0] == header
    assert pieces[1].startswith(paragraph)


def test_other_scripts_sentence_ends():
    arabic = "أعلن المجلس البلدي يوم الثلاثاء عن خطة جديدة لتوسيع شبكة الحافلات في المدينة؟ "
    hindi = "नगर परिषद ने मंगलवार को शहर के उत्तरी इलाकों में बस सेवा बढ़ाने का फैसला किया। "
    burmese = "မြို့တော်ကောင်စီက မြောက်ပိုင်းရပ်ကွက်တွေမှာ ဘတ်စ်ကားလိုင်း အသစ်တွေ ဖွင့်မယ်လို့ ကြေညာခဲ့ပါတယ်။ "
    for sentence in (arabic, hindi, burmese):
        assert split_line(sentence * 30) == [sentence] * 30


def test_extremely_long_line_without_punctuation_is_bounded():
    text = "and the word goes on " * 30_000  # 630,000 characters, no sentence end, no menu run
    pieces = split_line(text)
    assert "".join(pieces) == text
    assert all(len(piece) <= MAX_PIECE for piece in pieces)
    assert all(piece.endswith(" ") for piece in pieces[:-1])  # at white space, never mid-word
    unbroken = "x" * (3 * MAX_PIECE)
    assert [len(piece) for piece in split_line(unbroken)] == [MAX_PIECE] * 3


def test_hostile_runs_stay_linear():
    for text in ("." * 1_000_000, "A" * 1_000_000, "Aa " * 300_000, ". " * 500_000):
        assert "".join(split_line(text)) == text


@given(st.lists(st.one_of(st.sampled_from([MENU, COMMENTS, FOOTER, *ARTICLE, "。", "! ", ". a", "…» "]),
                          st.text(max_size=80)), max_size=40).map(" ".join))
def test_pieces_join_back_exactly(text):
    pieces = split_line(text)
    assert "".join(pieces) == text
    assert all(pieces) or pieces == [""]
