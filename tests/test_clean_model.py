"""The segment model on the page shapes that broke the hand-tuned layers: what it keeps, what it
cuts and why, and how sure it says it is."""
from __future__ import annotations

import datetime as dt
import gzip
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from test_clean_layers import PROSE, reasons
from textwash.cleaning.model import FEATURES, MODEL_PATH, apply_model, article_states, page_segments, segment_model
from textwash.cleaning.line_classes import classify
from textwash.model.page import Page
from textwash.config import Settings
from textwash.document import clean_text, process_batch
from textwash.cleaning.line_rules import apply_line_rules
from textwash.cleaning.ruleset import load_rules

RULES = load_rules()
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
# A news site's navigation and footer, as long as real ones are.
ROOT = Path(__file__).parent.parent
HEADER = ["Skip to main content", "Menu", "Search", "Home", "News", "World", "Politics", "Business", "Markets",
          "Technology", "Science", "Health", "Sport", "Culture", "Travel", "Opinion", "Video", "Podcasts",
          "Newsletters", "Subscribe", "Log in"]
FOOTER = ["About us", "Contact", "Careers", "Advertise", "Help", "Terms of use", "Privacy policy", "Cookie settings",
          "Accessibility", "Sitemap", "RSS", "Follow us", "Facebook", "Instagram", "© 2024 Example Media Group"]


def kept(text: str) -> list[str]:
    page, _ = clean_text(text, RULES)
    return [line.text for line in page.kept()]



def test_the_model_file_matches_the_features_and_judges_a_batch_in_one_call():
    model = segment_model()
    assert model.booster.num_features == len(FEATURES)
    pages = [np.zeros((3, len(FEATURES))), np.zeros((0, len(FEATURES))), np.zeros((2, len(FEATURES)))]
    assert [len(p) for p in model.predict(pages)] == [3, 0, 2]


def test_the_library_scores_exactly_as_the_lightgbm_package_does():
    """The C API called directly gives the package's probabilities, bit for bit, on real pages'
    features (NaN stopword densities of pages without a stoplist included)."""
    import lightgbm

    rules = load_rules()
    pages = [clean_text("\n".join([*HEADER, *PROSE, *FOOTER]), rules, frozenset({"model"}))[0],
             Page.from_text("Accueil\nActualités\n" + "Le conseil municipal a voté mardi un plan pour les bus. " * 5)]
    features = np.vstack([page_segments(page, None, classify(page, None)).features for page in pages])
    assert np.isnan(features).any()
    package = lightgbm.Booster(model_str=json.loads(gzip.decompress(MODEL_PATH.read_bytes()))["trees"])
    assert np.array_equal(segment_model().booster.predict(features), package.predict(features, num_threads=1))


def test_cleaning_a_page_does_not_import_the_lightgbm_package():
    """Its import pulls in pandas, scikit-learn and Dask: 1.5 CPU s a process for nothing."""
    code = ("import sys, textwash; textwash.clean(open('raw/000_1c1cab889e26c371.txt').read()); "
            "print(sorted(m for m in ('lightgbm', 'sklearn', 'dask', 'prefect') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "[]"


def test_a_comment_thread_after_a_short_article_is_not_the_article():
    article = PROSE[:3]
    comments = []
    for name, day in (("Maria", 19), ("Tom", 19), ("Aisha", 20), ("Jon", 20), ("Petra", 21)):
        comments += [
            f"{name} November {day}, 2019 at 5:10 pm",
            f"I have lived in the northern districts for twenty years, {name} here, and I can tell you that "
            "nobody on the council has ever taken the bus out here, which is why it took them so long to "
            "see what every resident knew, and I will believe in the new routes when I see them running.",
            "Reply",
        ]
    page, _ = clean_text("\n\n".join([*HEADER, *article, "5 Comments", *comments, *FOOTER]), RULES)
    assert [line.text for line in page.kept()] == article
    assert all(reasons(page)[c] for c in comments)
    assert page.confidence is not None and page.confidence >= 0.5


def test_a_comment_count_beside_the_headline_does_not_end_the_story_below_it():
    """Teaser blurbs above the story are prose the model may keep; the comment count between them
    and the story ("12 Comments", a link to the thread) must not close an article that has not
    begun (a portal's article page: the story was cut whole)."""
    teasers = [
        "Harbour authority approves the new ferry terminal after a decade of delays and objections.",
        "Local bakery wins the national bread prize for the third year running, judges said on Friday.",
        "Storm closes the mountain pass for the weekend as snow piles up on the higher roads tonight.",
    ]
    story = ["Council expands bus network", "12 Comments", *PROSE]
    assert kept("\n\n".join([*HEADER, *teasers, *story, *FOOTER]))[-len(PROSE):] == PROSE


def test_a_one_paragraph_article_is_kept_not_read_as_its_standfirst():
    paragraph = PROSE[0] + " " + PROSE[1]
    page, _ = clean_text("\n\n".join([*HEADER, "Council expands bus network", paragraph, *FOOTER]), RULES)
    kept = [line.text for line in page.kept()]
    assert paragraph in kept
    assert len(set(kept) & set(HEADER + FOOTER)) <= 1, kept


def test_every_post_on_a_page_of_several_full_posts_is_kept():
    posts = []
    for number, start in enumerate((0, 3, 6)):
        posts += [f"Weekly transport notes, part {number + 1}", f"Posted on March {number + 3}, 2024", *PROSE[start:start + 3]]
    page, _ = clean_text("\n\n".join([*HEADER, *posts, *FOOTER]), RULES)
    assert all(reasons(page)[p] is None for p in PROSE)


def test_a_table_that_is_the_content_stays():
    rows = [f"{rank} {name} {points} {wins}" for rank, name, points, wins in (
        (1, "Northern Line", 5040, 5), (2, "Harbour Express", 5035, 7), (3, "Ring Road Shuttle", 5033, 4),
        (4, "Airport Link", 5027, 6), (5, "University Loop", 2380, 2), (6, "Market Street", 2339, 1),
        (7, "River Crossing", 2339, 1), (8, "Old Town Circle", 2318, 3))]
    lines = [PROSE[0], PROSE[1], "Passengers per day on the busiest routes last year:", "Rank Route Passengers Delays",
             *rows, PROSE[2], PROSE[3]]
    page, _ = clean_text("\n\n".join([*HEADER, *lines, *FOOTER]), RULES)
    assert all(reasons(page)[row] is None for row in rows)
    assert all(reasons(page)[item] for item in HEADER[1:])


def test_paragraphs_between_advertisement_lines_and_photo_credits_are_all_kept():
    body = []
    for number, paragraph in enumerate(PROSE):
        body += [paragraph, "Advertisement"] + ([f"(Photo: Jane Doe {number})"] if number % 2 else [])
    page, _ = clean_text("\n\n".join([*HEADER, *body, *FOOTER]), RULES)
    assert [line.text for line in page.kept()] == PROSE
    assert reasons(page)["Advertisement"]


def test_a_closing_heading_counts_by_the_prose_before_it():
    """"Most Read" over a teaser box in the page's header says nothing of where the article ends;
    the same heading after the article's prose does."""
    lines = ["Home", "Most Read", "Storm closes mountain pass", *PROSE[:4], "Most Read", "Bakery wins bread prize"]
    page = Page.from_text("\n".join(lines))
    apply_line_rules(page, RULES)
    segments = page_segments(page, "en", classify(page, "en"), RULES)
    closing = segments.features[:, FEATURES.index("breaks_after_prose")].tolist()
    assert closing[:7] == [0.0] * 7
    assert closing[-1] == 1.0


def test_table_rows_that_open_the_kept_stretch_are_not_trimmed_as_menu_links():
    rows = [f"{rank} {name} {points} {wins}" for rank, name, points, wins in (
        (1, "Northern Line", 5040, 5), (2, "Harbour Express", 5035, 7), (3, "Ring Road Shuttle", 5033, 4),
        (4, "Airport Link", 5027, 6))]
    page = Page.from_text("\n".join(["Home", "News", *rows, PROSE[0], "Contact"]))
    segments = page_segments(page, "en", classify(page, "en"))
    apply_model(page, segments, np.array([0.01, 0.01, 0.8, 0.8, 0.8, 0.8, 0.95, 0.01]))
    assert [line.text for line in page.kept()] == [*rows, PROSE[0]]


def test_a_page_without_an_article_keeps_its_best_stretch_and_says_it_is_unsure():
    page, _ = clean_text("\n".join([*HEADER, *FOOTER]), RULES)
    assert page.kept()  # never nothing
    assert page.confidence is not None and page.confidence < 0.5


def test_the_fallback_keeps_the_best_stretch_when_the_model_keeps_nothing():
    page = Page.from_text("\n".join(["Home", PROSE[0], PROSE[1], "Contact"]))
    segments = page_segments(page, "en", classify(page, "en"))
    apply_model(page, segments, np.array([0.01, 0.2, 0.3, 0.01]))
    assert [line.text for line in page.kept()] == PROSE[:2]
    assert page.confidence < 0.5


def test_the_sequence_step_keeps_a_short_line_inside_the_article_and_drops_a_stray_one():
    probabilities = np.array([0.05, 0.95, 0.95, 0.3, 0.95, 0.95, 0.05, 0.6, 0.05])
    assert article_states(probabilities, 2.0).tolist() == [False, True, True, True, True, True, False, False, False]


def test_a_one_line_dump_is_segmented_and_cleaned(tmp_path):
    menu = "Home News Politics Business Sport Weather Culture Opinion Sign In Subscribe"
    comments = " ".join(
        f"{name} 3 hours ago This is the worst decision the council has made in years and everyone who lives "
        f"out here knows it, {name} says, and the buses will run empty. Reply" for name in ("Maria", "Tom", "Aisha"))
    flat = " ".join([menu, *PROSE, "3 Comments", comments, " ".join(FOOTER)])
    (tmp_path / "page.txt").write_text(flat, encoding="utf-8")
    # The line limit applies to segments: the dump is one line far over it.
    result = process_batch(tmp_path, ["page.txt"], NOW, Settings(max_line_chars=len(flat) // 3))
    assert not result.rejects
    text = result.documents[0]["text"]
    assert all(paragraph in text for paragraph in PROSE)
    assert "Subscribe" not in text and "Privacy policy" not in text
    # Without line breaks the comments' heading is glued to the first comment: no rule sees it.


GERMAN = [
    "Der Stadtrat hat am Dienstag beschlossen, das Busnetz in die nördlichen Bezirke zu erweitern, ein Plan, "
    "über den Anwohner und Planer seit mehr als drei Jahren gestritten haben.",
    "Nach dem Plan kommen vier neue Buslinien hinzu, zwei bestehende werden verlängert, und auf den "
    "meistgenutzten Strecken fahren die Busse tagsüber alle zehn Minuten.",
    "Die Bewohner der nördlichen Bezirke beklagen seit Langem, dass dort zu wenige Busse fahren und dass "
    "die Stadt sie bei ihren Planungen über Jahre vergessen hat.",
    "Gegner im Stadtrat wandten ein, dass das Verkehrsbudget schon durch die Reparatur alter Busse und "
    "Brücken belastet sei und die neuen Linien außerhalb der Stoßzeiten halb leer fahren würden.",
    "Die Bürgermeisterin begrüßte die Entscheidung und sagte, die Bezirke hätten zu lange auf einen "
    "verlässlichen Nahverkehr gewartet, der sie mit Krankenhäusern und Märkten verbinde.",
]
JAPANESE = [
    "市議会は火曜日、北部地区へのバス路線の拡大を決めた。住民と計画担当者の間で三年以上議論されてきた計画だ。",
    "計画では新しい路線が四本加わり、既存の二本が延長される。利用の多い路線では日中十分おきにバスが走る。",
    "北部地区の住民は長年、バスが少なく遅いと訴え、市が自分たちを後回しにしてきたと不満を述べてきた。",
    "反対する議員は、古いバスや橋の修理で交通予算はすでに苦しく、新路線は通勤時間以外は空席が目立つと主張した。",
    "市長は決定を歓迎し、北部地区は病院や市場と結ぶ信頼できる交通を長く待ちすぎたと語った。",
]


@pytest.mark.parametrize("header, article, footer", [
    (["Zum Inhalt springen", "Menü", "Suche", "Startseite", "Politik", "Wirtschaft", "Finanzen", "Wissen", "Gesundheit",
      "Sport", "Kultur", "Reisen", "Meinung", "Video", "Podcasts", "Newsletter", "Abonnieren", "Anmelden"], GERMAN,
     ["Über uns", "Kontakt", "Karriere", "Werbung", "Hilfe", "Impressum", "Datenschutz", "Cookie-Einstellungen",
      "Barrierefreiheit", "Sitemap", "© 2024 Beispiel Verlag"]),
    (["メインコンテンツへ移動", "メニュー", "検索", "ホーム", "ニュース", "国際", "政治", "経済", "マーケット", "科学", "健康",
      "スポーツ", "文化", "旅行", "オピニオン", "動画", "ポッドキャスト", "ニュースレター", "購読", "ログイン"], JAPANESE,
     ["会社概要", "お問い合わせ", "採用情報", "広告掲載", "ヘルプ", "利用規約", "プライバシーポリシー", "サイトマップ", "© 2024 例"]),
], ids=["de", "ja"])
def test_articles_in_other_languages_are_kept_and_their_chrome_cut(header, article, footer):
    page, meta = clean_text("\n\n".join([*header, *article, *footer]), RULES)
    assert [line.text for line in page.kept()] == article
    assert meta.language in {"de", "ja"}
