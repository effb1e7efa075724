"""The language of a name written in its own script, for its `lang` tag.

A tag chooses the font (a Japanese name set in the Simplified Chinese font
shows Chinese glyph forms), the screen reader's voice, and, in a tagged PDF,
the /Lang that PDF/UA asks of text in another language than the document's.

The script tells most of it: kana is Japanese, hangul Korean. A name in Han
characters alone is Chinese or Japanese, and the characters rarely settle
which: hanzidentifier (CC-CEDICT's character tables) tells Simplified from
Traditional, and a name it cannot place, or one in traditional forms (which
Japanese kanji share), is flagged for the editor, who can write
`native_name_lang` to say.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class NameLanguage:
    tag: str  # a BCP 47 tag: ko, ja, zh-Hans, zh-Hant, zh, ru, ar, und
    certain: bool  # False: a guess the editor should confirm with native_name_lang


def _scripts(text: str) -> set[str]:
    found = set()
    for ch in text:
        name = unicodedata.name(ch, "")
        for script in ("HANGUL", "HIRAGANA", "KATAKANA", "CJK", "CYRILLIC", "ARABIC", "GREEK", "HEBREW",
                       "DEVANAGARI", "THAI"):
            if script in name:
                found.add(script)
    return found


SCRIPT_LANGUAGE = {"CYRILLIC": "ru", "ARABIC": "ar", "GREEK": "el", "HEBREW": "he", "DEVANAGARI": "hi", "THAI": "th"}


def name_language(text: str) -> NameLanguage:
    """The language a native-script name is most likely in, and whether that is certain."""
    scripts = _scripts(text)
    if "HANGUL" in scripts:
        return NameLanguage("ko", True)
    if scripts & {"HIRAGANA", "KATAKANA"}:
        return NameLanguage("ja", True)
    if "CJK" in scripts:
        return _han_language(text)
    for script, tag in SCRIPT_LANGUAGE.items():
        if script in scripts:
            # Cyrillic is also Ukrainian, Arabic script also Persian: the script is not the language.
            return NameLanguage(tag, False)
    return NameLanguage("und", False)


def _han_language(text: str) -> NameLanguage:
    import hanzidentifier

    kind = hanzidentifier.identify(text)
    if kind == hanzidentifier.SIMPLIFIED:
        return NameLanguage("zh-Hans", True)
    if kind == hanzidentifier.TRADITIONAL:
        return NameLanguage("zh-Hant", False)  # or Japanese kanji, which keep many traditional forms
    return NameLanguage("zh", False)  # characters both scripts share (王, 山田): Chinese or Japanese
