"""Every language a think tank publishes in (issue 21): the words around the text, dates, a
house disclaimer in each language, Korean kept whole, and right to left.

The fixture tests/fixtures/languages-content/ holds one house and eight papers in five scripts:
German (Latin), Russian (Cyrillic), Korean (Hangul), Japanese (Han with kana), Arabic, Persian
and Urdu (Arabic script), and Hebrew. Each has a footnote, a byline with a role, the house's
disclaimer in its language and one of its own. Fictional text, written for the tests.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from pathlib import Path

import pypdfium2
import pytest
import yaml

from octavo.build import build_publication
from octavo.cli import main
from octavo.errors import ContentError, VerificationError
from octavo.languages import direction, joined, label_tags, long_date
from octavo.model import load_publication, load_publisher
from octavo.render import Rendering
from octavo.verify import verify
from octavo.visible import _Glyph, _line_in_logical_order, pdf_visible_text

from conftest import REPO, edit
from webcheck import axe_violations, describe, nu_errors

LABELS = REPO / "templates" / "labels"
FIXTURE = Path(__file__).parent / "fixtures" / "languages-content"
PAPERS = {"grenzen": "de", "sotrudnichestvo": "ru", "kooperation": "ko", "kyoryoku": "ja", "taawun": "ar",
          "gvulot": "he", "marzha": "fa", "hudood": "ur"}
# What each paper's furniture says, in its language: the contents page, the imprint, the
# contributors' notes, the date of 7 March 2024 (CLDR's long format) and the rights line.
FURNITURE = {
    "grenzen": ["Inhalt", "Impressum", "Über die Autorinnen und Autoren", "7. März 2024", "Alle Rechte vorbehalten."],
    "sotrudnichestvo": ["Содержание", "Выходные данные", "Об авторах", "7 марта 2024\u202fг.", "Все права защищены."],
    "kooperation": ["목차", "판권", "필자 소개", "2024년 3월 7일", "모든 권리 보유."],
    "kyoryoku": ["目次", "奥付", "執筆者紹介", "2024年3月7日", "無断転載・複製を禁じます。"],
    "taawun": ["المحتويات", "بيانات النشر", "نبذة عن المساهمين", "7 مارس 2024", "جميع الحقوق محفوظة."],
    "gvulot": ["תוכן העניינים", "פרטי ההוצאה", "על הכותבים", "7 במרץ 2024", "כל הזכויות שמורות."],
    "marzha": ["فهرست مطالب", "شناسنامه", "دربارهٔ نویسندگان", "7 مارس 2024", "همهٔ حقوق محفوظ است."],
    "hudood": ["فہرست", "اشاعتی تفصیلات", "مصنفین کا تعارف", "7 مارچ، 2024", "جملہ حقوق محفوظ ہیں۔"],
}
# The faces each paper's text is set in (the PDFs' embedded fonts), and one it must not be: a
# Japanese paper's Han letters in the Japanese face, never the Simplified Chinese one.
FACES = {"kyoryoku": ("Noto-Serif-CJK-JP", "CJK-SC"), "kooperation": ("Noto-Serif-CJK-KR", "CJK-SC"),
         "taawun": ("Noto-Naskh-Arabic", "DejaVu"), "gvulot": ("Noto-Serif-Hebrew", "DejaVu"),
         "marzha": ("Noto-Naskh-Arabic", "DejaVu"), "hudood": ("Noto-Naskh-Arabic", "Nastaliq")}
RIGHT_TO_LEFT = ("taawun", "gvulot", "marzha", "hudood")
ENGLISH_FURNITURE = ["Contents", "Imprint", "About the Contributors", "All rights reserved", "Published by"]


# ------------------------------------------------------------------ labels

def test_every_labels_file_has_every_label_of_english_and_its_placeholders():
    english = yaml.safe_load((LABELS / "en.yaml").read_text(encoding="utf-8"))
    files = sorted(p for p in LABELS.glob("*.yaml") if p.name != "roles.yaml")
    assert {p.stem for p in files} == {"en", "ar", "de", "es", "fa", "fr", "he", "ja", "ko", "ru", "ur", "zh-Hans",
                                       "zh-Hant"}  # the 13 the README names
    for path in files:
        words = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert set(words) == set(english), f"{path.name}: missing {set(english) - set(words)}, extra {set(words) - set(english)}"
        for key, text in words.items():
            assert isinstance(text, str) and text.strip(), f"{path.name}: {key} is empty"
            assert set(re.findall(r"\{\w+\}", text)) <= set(re.findall(r"\{\w+\}", english[key])) | {"{number}"}, \
                f"{path.name}: {key} has a placeholder English does not"
            if "{" in english[key] and key != "series_number":
                assert set(re.findall(r"\{\w+\}", text)) == set(re.findall(r"\{\w+\}", english[key])), \
                    f"{path.name}: {key} lacks {english[key]}'s placeholder"


def test_dates_and_lists_come_from_cldr():
    day = dt.date(2018, 2, 5)
    assert long_date(day, "en") == "February 5, 2018"  # as the seed paper prints it
    assert long_date(day, "en-GB") == "5 February 2018"
    assert long_date(day, "de") == "5. Februar 2018"
    assert long_date(day, "ko") == "2018년 2월 5일"
    assert long_date(day, "zh-Hant") == "2018年2月5日"
    assert long_date(day, "tlh") == "February 5, 2018"  # no CLDR locale: English
    assert joined(["A", "B"], "de") == "A und B" and joined(["A", "B", "C"], "ja") == "A、B、C"


def test_a_language_reads_the_labels_file_of_its_script():
    assert label_tags("zh-TW") == ["en", "zh", "zh-Hant", "zh-TW"]
    assert label_tags("zh") == ["en", "zh", "zh-Hans"]
    assert label_tags("en-GB") == ["en", "en-GB"]
    assert [direction(tag) for tag in ("ar", "he", "fa", "ur", "en", "ko", "ru")] == ["rtl"] * 4 + ["ltr"] * 3


def test_a_language_without_labels_is_english_around_the_text_with_a_warning(tmp_path, capsys):
    folder = _copy(tmp_path, "grenzen")
    edit(folder / "publication.yaml", "language: de", "language: pt")
    edit(folder.parent / "publisher.yaml", "      de: >-", "      pt: >-")
    edit(folder.parent / "publisher.yaml", '      de: "Haftungsausschluss:"', '      pt: "Aviso:"')
    assert main(["validate", "--content", str(folder.parent), str(folder)]) == 0
    out = capsys.readouterr().out
    assert "no labels file speaks 'pt'" in out and "labels/pt.yaml" in out and "publication.yaml:5" in out
    assert main(["validate", "--strict", "--content", str(folder.parent), str(folder)]) != 0
    assert Rendering(load_publication(folder)).labels["contents"] == "Contents"


# ------------------------------------------------------------- disclaimers

def test_a_paper_prints_the_house_disclaimer_in_its_own_language():
    for slug, start in (("kooperation", "이 보고서에"), ("grenzen", "Die in diesem Papier"), ("taawun", "الآراء")):
        house = load_publication(FIXTURE / slug).disclaimer("house-opinions")
        assert house.text.startswith(start) and house.language is None
    assert load_publication(FIXTURE / "kyoryoku").disclaimer("house-opinions").label == "免責事項："


def test_a_paper_in_a_language_the_disclaimer_lacks_is_refused(tmp_path):
    folder = _copy(tmp_path, "grenzen")
    edit(folder.parent / "publisher.yaml", "      de: >-", "      fr: >-")
    edit(folder.parent / "publisher.yaml", '      de: "Haftungsausschluss:"', '      fr: "Avertissement :"')
    with pytest.raises(ContentError) as caught:
        load_publication(folder)
    problem = str(caught.value)
    assert "house disclaimer 'house-opinions'" in problem and "no wording in 'de'" in problem
    assert "publication.yaml:5" in problem and "untranslated_disclaimers: warn" in problem


def test_a_house_that_allows_it_prints_its_own_wording_with_a_warning_and_its_language(tmp_path):
    folder = _copy(tmp_path, "grenzen")
    edit(folder.parent / "publisher.yaml", "      de: >-", "      fr: >-")
    edit(folder.parent / "publisher.yaml", '      de: "Haftungsausschluss:"', '      fr: "Avertissement :"')
    edit(folder.parent / "publisher.yaml", "language: en\n", "language: en\nuntranslated_disclaimers: warn\n")
    publication = load_publication(folder)
    house = publication.disclaimer("house-opinions")
    assert house.text.startswith("The opinions expressed") and house.language == "en"
    assert any("no wording in 'de'" in w.message for w in publication.warnings)
    # The markup says the disclaimer's language: the voice a screen reader reads it in.
    rendering = Rendering(publication)
    macro = rendering.env.get_template("partials/disclaimer.html").module.disclaimer
    assert 'lang="en" xml:lang="en"' in str(macro(house))
    assert "lang=" not in str(macro(publication.disclaimer("personal-capacity")))


def test_a_wording_is_chosen_by_language_and_script_never_across_scripts():
    from octavo.model import Disclaimer, in_language

    wordings = (("en", "English", None), ("zh-Hant", "繁體", "聲明："), ("ko", "한국어", None))
    disclaimer = Disclaimer("d", "English", "house", wordings=wordings)
    assert in_language(disclaimer, "en-GB")[0] == "English"
    assert in_language(disclaimer, "zh-TW")[:2] == ("繁體", "聲明：")
    assert in_language(disclaimer, "zh-Hant-HK")[0] == "繁體"
    assert in_language(disclaimer, "ko-KR")[0] == "한국어"
    assert in_language(disclaimer, "zh-CN") is None  # simplified characters: the traditional wording is not it
    assert in_language(disclaimer, "zh") is None
    assert in_language(disclaimer, "de") is None


def test_a_label_without_its_text_or_a_wording_under_no_language_is_refused(tmp_path):
    folder = _copy(tmp_path, "grenzen")
    edit(folder.parent / "publisher.yaml", '      ja: "免責事項："', '      ja: "免責事項："\n      fr: "Avertissement :"')
    edit(folder.parent / "publisher.yaml", "      ru: >-", "      Russian: >-")
    with pytest.raises(ContentError) as caught:
        load_publisher(folder.parent)
    problem = str(caught.value)
    assert "label in 'fr' but no text in it" in problem and "'Russian' in the disclaimer's text is not a language tag" in problem


# ------------------------------------------------------------- five papers

@pytest.fixture(scope="module")
def five(tmp_path_factory):
    """The papers (five scripts, and Hebrew), each built in every edition and proven."""
    out = tmp_path_factory.mktemp("languages")
    return {slug: build_publication(FIXTURE / slug, out) for slug in PAPERS}


def _pdf_text(path: Path) -> str:
    document = pypdfium2.PdfDocument(str(path))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def test_five_scripts_build_and_prove_in_every_edition(five):
    for slug, result in five.items():
        kinds = sorted(p.name.split(".", 1)[1] for p in result.outputs)
        assert kinds == ["archive.pdf", "cover.pdf", "epub", "html", "pdf", "print.pdf"], slug
        assert result.report.ok, result.report.summary()
        proven = {f.what for f in result.report.findings if f.ok}
        assert {"disclaimer", "attribution", "blocks"} <= proven, (slug, proven)


@pytest.mark.parametrize("slug", [s for s in PAPERS if s not in RIGHT_TO_LEFT])
def test_the_furniture_is_in_the_papers_language(five, slug):
    """Read back from the screen PDF: the contents, imprint, contributors, date and rights in the
    paper's language, and none of the English words."""
    text = _pdf_text(next(p for p in five[slug].outputs if p.name == f"{slug}.pdf"))
    for words in FURNITURE[slug]:
        assert words in text or words.upper() in text, (slug, words)
    for words in ENGLISH_FURNITURE:
        assert words not in text, (slug, words)


def test_right_to_left_furniture_reads_in_logical_order(five):
    from octavo.verify import skeleton

    for slug in RIGHT_TO_LEFT:
        pages, _, _ = pdf_visible_text(next(p for p in five[slug].outputs if p.name == f"{slug}.pdf"), 0, 0)
        for words in FURNITURE[slug] + ["© 2024 Institute for Peninsula Studies."]:
            # Letters and digits in order, as the proof compares: PDFium gives a Persian word's
            # zero-width non-joiner no character, and a mark over a letter sometimes a space before it.
            assert skeleton(words) in skeleton("\n".join(pages)), (slug, words)
    pages, _, _ = pdf_visible_text(next(p for p in five["taawun"].outputs if p.name == "taawun.pdf"), 0, 0)
    text = "\n".join(pages)
    # An English name, a number and a URL inside an Arabic paragraph, each in its own order.
    assert "يرى الباحث Joon Hyung Kim أن نحو 60 في المئة" in text
    assert "محاضرها" in text and "https://www.example.org/talks للاطلاع" in text
    assert "1. انظر محاضر المفاوضات لعامي 2018 و2019." in text
    # A list and a table, read from the right: each item, each row's cells in order.
    assert "اتفاقية هلسنكي عام 1975، التي جمعت 35 دولة؛" in text
    assert "ميثاق باريس لأوروبا الجديدة 1990 34" in " ".join(text.split())


@pytest.mark.parametrize("slug", FACES)
def test_each_script_is_set_in_its_own_face(five, slug):
    from pypdf import PdfReader

    wanted, never = FACES[slug]
    fonts = set()
    for page in PdfReader(next(p for p in five[slug].outputs if p.name == f"{slug}.pdf")).pages:
        for font in page["/Resources"].get_object().get("/Font", {}).get_object().values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+")[-1])
    assert any(f.startswith(wanted) for f in fonts), fonts
    assert not any(never in f for f in fonts), fonts


def test_documents_say_their_language_and_direction(five):
    with zipfile.ZipFile(next(p for p in five["taawun"].outputs if p.suffix == ".epub")) as epub:
        pages = [n for n in epub.namelist() if n.endswith(".xhtml")]
        for name in pages:
            head = epub.read(name).decode("utf-8")[:600]
            assert 'lang="ar"' in head and 'dir="rtl"' in head, name
    web = next(p for p in five["taawun"].outputs if p.suffix == ".html").read_text(encoding="utf-8")
    assert re.search(r'<html[^>]* lang="ar" dir="rtl"', web)
    korean = next(p for p in five["kooperation"].outputs if p.suffix == ".html").read_text(encoding="utf-8")
    assert re.search(r'<html[^>]* lang="ko" dir="ltr"', korean)
    # The accessibility summary is Octavo's English: it says so, inside an Arabic package.
    with zipfile.ZipFile(next(p for p in five["taawun"].outputs if p.suffix == ".epub")) as epub:
        opf = epub.read(next(n for n in epub.namelist() if n.endswith(".opf"))).decode("utf-8")
    [summary] = re.findall(r'<meta[^>]*property="schema:accessibilitySummary"[^>]*>', opf)
    assert 'xml:lang="en"' in summary and '<dc:language>ar</dc:language>' in opf


def test_epubcheck_passes_each_language(five, epubcheck):
    for slug, result in five.items():
        check = epubcheck(next(p for p in result.outputs if p.suffix == ".epub"))
        assert check.valid, (slug, check.messages)


@pytest.mark.parametrize("slug", ["taawun", "gvulot", "marzha", "hudood", "kooperation"])
def test_the_web_page_passes_the_nu_checker_and_axe(five, slug):
    page = next(p for p in five[slug].outputs if p.suffix == ".html")
    assert nu_errors(page) == []
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_straight_quotation_marks_print_as_the_languages(five):
    """An author's straight quotation marks, typed in the source, printed as the language sets
    them (CLDR's delimiters), read back from the PDF."""
    marks = {"grenzen": "„Politik der kleinen Schritte“", "sotrudnichestvo": "«политике малых шагов»"}
    for slug, quoted in marks.items():
        assert '"' in "".join(s.body for s in load_publication(FIXTURE / slug).sections)
        text = _pdf_text(next(p for p in five[slug].outputs if p.name == f"{slug}.pdf"))
        assert quoted in " ".join(text.split()), slug


def test_japanese_lines_never_start_with_a_closing_mark(five):
    """Kinsoku: no line of the Japanese paper begins with a full stop, a comma or a closing
    bracket (UAX #14, which Pango follows)."""
    for name in ("kyoryoku.pdf", "kyoryoku.print.pdf"):
        lines = _pdf_text(next(p for p in five["kyoryoku"].outputs if p.name == name)).splitlines()
        assert len([line for line in lines if len(line) > 20]) >= 4
        assert not [line for line in lines if line[:1] in "。、）」』・ー"], name


def test_korean_lines_break_between_words_only(five):
    """Every line of the Korean paragraphs, read back from each PDF, ends where the source has a
    space (or at the paragraph's end): never between two syllables of one word."""
    source = " ".join((FIXTURE / "kooperation" / "sections" / name).read_text(encoding="utf-8").split("---")[2]
                      for name in ("01-seoron.md", "02-gwanjeom.md"))
    source += " " + " ".join(f"{d.label or ''} {d.text}" for d in load_publication(FIXTURE / "kooperation").disclaimers)
    words = set(re.sub(r"\[\^\d+\]", "", source).split())
    for name in ("kooperation.pdf", "kooperation.print.pdf"):
        lines = [line.strip() for line in _pdf_text(next(p for p in five["kooperation"].outputs if p.name == name))
                 .splitlines() if re.search("[\uac00-\ud7af]{2}", line)]
        # The lines of the sections and the disclaimers: those whose inner words are theirs.
        body = [line for line in lines if sum(w in words for w in line.split()[1:-1]) >= 2]
        assert len(body) >= 4, lines
        for line in body:
            last = re.sub(r"\d+$", "", line.split()[-1])  # a note call is set after the word
            first = re.sub(r"^\d+\.\s*", "", line).split()[0]  # a note's number before its text
            assert last in words or last.rstrip(".,") in {w.rstrip(".,") for w in words}, (name, line)
            assert first in words, (name, line)


def test_korean_breaks_inside_words_without_keep_all(five, tmp_path):
    """The check above can fail: the same paper with the stylesheet's keep-all taken away breaks
    a line inside a word (Pango's UAX #14 breaks between any two Hangul syllables)."""
    from conftest import copy_templates

    templates = copy_templates(tmp_path)
    edit(templates / "print" / "print.css", ":lang(ko) { word-break: keep-all; }", "")
    result = build_publication(FIXTURE / "kooperation", tmp_path / "out", templates=templates, editions=("screen",))
    text = _pdf_text(result.outputs[0])
    assert "그럼에도 불구하고 이\n산가족" in text.replace("\r", "") or "하루\n아침에" in text.replace("\r", "")


# ---------------------------------------------------------- right to left

def test_a_line_drawn_left_to_right_is_read_in_logical_order():
    def glyphs(visual: str) -> list[_Glyph]:
        from octavo.visible import _strength
        return [_Glyph(c, x, x + 1, 0, -1, 1, _strength(c)) for x, c in enumerate(visual)]

    def read(visual: str) -> str:
        return "".join(g.text for g in _line_in_logical_order(glyphs(visual)))

    # Arabic drawn right to left, a Latin name and a number in it drawn left to right.
    logical = "في 2018 قال Joon Kim من"
    assert read("نم Joon Kim لاق 2018 يف") == logical
    assert read("A plain English line, 2024.") == "A plain English line, 2024."
    assert read("34 1990 سيراب قاثيم") == "ميثاق باريس 1990 34"  # two numbers a space apart: two runs
    assert read("COVID-19 :ءابولا") == "الوباء: COVID-19"
    assert read(".ةظوفحم قوقحلا عيمج .Institute for Peninsula Studies 2024 ©") == \
        "© 2024 Institute for Peninsula Studies. جميع الحقوق محفوظة."


def test_cells_side_by_side_are_read_cell_after_cell():
    """A table row whose cells each hold two lines: PDFium gives the glyphs in the order drawn
    (the right cell's two lines, then the left's); read line by line across the page they would
    interleave. Running text, each line drawn in one go, stays top to bottom."""
    from octavo.visible import _in_logical_order, _strength

    def line(visual: str, x: float, y: float) -> list[_Glyph]:
        return [_Glyph(c, x + n, x + n + 1, y, y - 1, y + 1, _strength(c)) for n, c in enumerate(visual)]

    # Drawn as WeasyPrint draws a row: the first cell (on the right), its two lines, then the next.
    drawn = line("ىلوأ", 50, 20) + line("ةيلخ", 50, 10) + line("ةيناث", 0, 20) + line("ةيلخ", 0, 10)
    assert _in_logical_order(drawn).split("\n") == ["أولى", "خلية", "ثانية", "خلية"]
    running = line("لوألا رطسلا", 0, 20) + line("يناثلا رطسلا", 0, 10)
    assert _in_logical_order(running).split("\n") == ["السطر الأول", "السطر الثاني"]


def test_an_arabic_table_whose_cells_wrap_is_proven(tmp_path):
    """No false refusal: a row whose cells wrap over several lines was read across the page,
    line by line, the cells' words interleaved, and an honest paper was refused."""
    folder = _copy(tmp_path, "taawun")
    edit(folder / "sections" / "02-wijhat-nazar.md", "| مؤتمر هلسنكي | 1975 | 35 |",
         "| مؤتمر هلسنكي الذي جمع الدول الأوروبية والولايات المتحدة وكندا حول طاولة واحدة لأول مرة بعد سنوات "
         "طويلة من الانقسام | 1975 | خمس وثلاثون دولة من أوروبا وأمريكا الشمالية شاركت في التوقيع على الوثيقة الختامية |")
    result = build_publication(folder, tmp_path / "out", editions=("screen",))
    assert result.report.ok


def test_the_proof_fails_on_an_arabic_paragraph_dropped_from_the_pdf(five, tmp_path):
    """The Arabic paper's PDF read against a text with one more Arabic paragraph, and one with a
    word changed: each is missing, named, in both PDFs."""
    pdfs = [p for p in five["taawun"].outputs if p.name in ("taawun.pdf", "taawun.archive.pdf")]
    folder = _copy(tmp_path, "taawun")
    edit(folder / "sections" / "02-wijhat-nazar.md", "من الحوار وبناء الثقة.",
         "من الحوار وبناء الثقة.\n\nوهذه فقرة لم تُطبع في أي نسخة من هذه الورقة.")
    report = verify(Rendering(load_publication(folder)).document, pdfs)
    missing = {(f.edition.path.name, f.what, f.problem) for f in report.failures}
    assert {("taawun.pdf", "block", "missing"), ("taawun.archive.pdf", "block", "missing")} <= missing, missing
    assert "وهذه فقرة لم تُطبع" in report.summary()
    folder = _copy(tmp_path / "word", "taawun")
    edit(folder / "sections" / "01-muqaddima.md", "رهينة لانعدام الثقة", "رهينة لغياب الثقة")
    report = verify(Rendering(load_publication(folder)).document, pdfs)
    assert {f.edition.path.name for f in report.failures} == {"taawun.pdf", "taawun.archive.pdf"}
    assert "لغياب" in report.summary()


def test_a_right_to_left_book_opens_on_a_left_hand_page_with_its_running_heads_swapped(tmp_path):
    """A section long enough to turn pages: its left pages (the rectos of a book read from the
    right) carry the section's title at the top, its right pages the publication's."""
    folder = _copy(tmp_path, "taawun")
    section = folder / "sections" / "02-wijhat-nazar.md"
    text = section.read_text(encoding="utf-8")
    paragraph = text.split("---", 2)[2].strip()
    section.write_text(text + ("\n\n" + paragraph) * 40, encoding="utf-8")
    result = build_publication(folder, tmp_path / "out", editions=("screen",))
    document = pypdfium2.PdfDocument(str(result.outputs[0]))
    heads = {}
    for index, page in enumerate(document):
        width, height = page.get_size()
        band = page.get_textpage()
        heads[index + 1] = (band.get_text_bounded(0, height - 60, width / 2, height).strip(),
                            band.get_text_bounded(width / 2, height - 60, width, height).strip())
    document.close()
    turned = [n for n in heads if n > 4 and any(heads[n])]
    assert {n % 2 for n in turned} == {0, 1}, heads  # both sides seen
    for number in turned:
        left, right = heads[number]
        if number % 2:  # 1, 3, 5…: left-hand pages, the rectos of a right-to-left book
            assert "وجهة نظر من جدة" in left.replace("\r\n", " ") and not right, (number, heads[number])
        else:
            assert "حدود التعاون" in right.replace("\r\n", " ") and not left, (number, heads[number])


def _copy(tmp_path: Path, slug: str) -> Path:
    import shutil

    content = tmp_path / "content"
    content.mkdir(parents=True)
    shutil.copy(FIXTURE / "publisher.yaml", content / "publisher.yaml")
    shutil.copytree(FIXTURE / slug, content / slug)
    return content / slug


HYPHENATED = ("The negotiations on denuclearization, the reconciliation of humanitarian interests and the "
              "verification of demilitarized zones require representatives with presidential responsibility, "
              "diplomatic communication and the implementation of interdependence. ")


@pytest.mark.parametrize("language, other", [("en-GB", "en-US"), ("en-US", "en-GB")])
def test_hyphenation_follows_the_language_and_its_region(tmp_path, language, other):
    """A paragraph of words that British and American dictionaries break differently
    ("ne-go-ti-ations" against "ne-go-ti-a-tions"), set in the screen PDF: every word broken at a
    line's end is broken where the paper's region allows, and somewhere the other region would not."""
    import pyphen

    from conftest import copy_content

    folder = copy_content(tmp_path)
    edit(folder / "publication.yaml", "language: en", f"language: {language}")
    section = folder / "sections" / "07-conclusion.md"
    head = section.read_text(encoding="utf-8").split("---", 2)
    section.write_text(f"---{head[1]}---\n{HYPHENATED * 12}\n", encoding="utf-8")
    result = build_publication(folder, tmp_path / "out", editions=("screen",))
    lines = [line.strip() for line in _pdf_text(result.outputs[0]).splitlines()]
    breaks = [(a.split()[-1][:-1], b.split()[0]) for a, b in zip(lines, lines[1:]) if a.endswith("\u2010") and b]
    words = [(re.sub(r"\W", "", first + rest), len(re.sub(r"\W", "", first))) for first, rest in breaks]
    assert len(words) >= 5, lines
    own, theirs = (pyphen.Pyphen(lang=tag.replace("-", "_")) for tag in (language, other))
    assert all(at in own.positions(word) for word, at in words), words
    assert any(at not in theirs.positions(word) for word, at in words), words


def test_arabic_drawn_letter_by_letter_from_the_left_is_refused(tmp_path):
    """A house style that sets the disclaimers `unicode-bidi: bidi-override; direction: ltr`
    keeps their text but draws the Arabic backwards, its letters unjoined: the EPUB and the web
    page are refused, the OCR reading each disclaimer reversed. (WeasyPrint refuses the property
    outright: the PDFs cannot be made so.)"""
    content = tmp_path / "content"
    shutil.copytree(FIXTURE, content)
    for edition in ("epub", "web"):
        style = content / "styles" / "reversed" / edition
        style.mkdir(parents=True)
        (style / "house.css").write_text(".disclaimer { unicode-bidi: bidi-override; direction: ltr; }\n",
                                         encoding="utf-8")
    edit(content / "publisher.yaml", "website: https://www.example.org\n",
         "website: https://www.example.org\nstyle: reversed\n")
    with pytest.raises(VerificationError) as caught:
        build_publication(content / "taawun", tmp_path / "out", editions=("epub", "web"))
    hidden = {(f.edition.kind, f.subject) for f in caught.value.report.failures if f.problem.startswith("hidden")}
    assert hidden == {("EPUB", "house-opinions"), ("EPUB", "personal-capacity"),
                      ("HTML", "house-opinions"), ("HTML", "personal-capacity")}


def test_the_imprint_prints_the_place_in_the_papers_language(tmp_path):
    """`place:` may be given per language, as a disclaimer's text: a German paper's imprint says
    "Stockholm, Schweden"; a paper in a language the house gives no place in prints its own."""
    folder = _copy(tmp_path, "grenzen")
    edit(folder.parent / "publisher.yaml", "place: Stockholm, Sweden\n",
         "place:\n  en: Stockholm, Sweden\n  de: Stockholm, Schweden\n")
    assert load_publisher(folder.parent).place == "Stockholm, Sweden"
    assert load_publication(folder).publisher.place == "Stockholm, Schweden"
    result = build_publication(folder, tmp_path / "out", editions=("screen",))
    text = _pdf_text(next(p for p in result.outputs if p.suffix == ".pdf"))
    assert "Stockholm, Schweden" in text and "Sweden" not in text
    shutil.copytree(FIXTURE / "kyoryoku", folder.parent / "kyoryoku")
    assert load_publication(folder.parent / "kyoryoku").publisher.place == "Stockholm, Sweden"
    edit(folder.parent / "publisher.yaml", "  de: Stockholm, Schweden\n", "  Deutsch: Stockholm, Schweden\n")
    with pytest.raises(ContentError, match="'Deutsch' in the place is not a language tag"):
        load_publisher(folder.parent)


def test_a_missing_wording_says_how_to_write_one_and_a_missing_label_is_said(tmp_path):
    """What a new user met: the hint for a disclaimer with no German wording showed where to
    put it, not how; and a label given once, in English, over texts given per language left the
    German imprint without one, silently."""
    folder = _copy(tmp_path, "grenzen")
    edit(folder.parent / "publisher.yaml", "      de: >-", "      fr: >-")
    edit(folder.parent / "publisher.yaml", '      de: "Haftungsausschluss:"', '      fr: "Avertissement :"')
    with pytest.raises(ContentError) as caught:
        load_publication(folder)
    assert "give 'text:' one wording per language, each on its own indented line under it: 'en: …' and 'de: …'" \
        in str(caught.value)
    folder = _copy(tmp_path / "label", "grenzen")
    publisher = folder.parent / "publisher.yaml"
    text = publisher.read_text(encoding="utf-8")
    start = text.index("    label:\n")
    end = text.index("    text:\n", start)
    publisher.write_text(text[:start] + '    label: "Disclaimer:"\n' + text[end:], encoding="utf-8")
    publication = load_publication(folder)
    assert publication.disclaimer("house-opinions").label is None
    [warning] = [w for w in publication.warnings if "label" in w.message]
    assert "has a label in en but none in 'de': the paper prints its text without a label" in warning.message
    assert 'label: {en: "…", de: "…"}' in warning.hint
