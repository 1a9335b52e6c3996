"""Vietnamese text: NFC storage, diacritic-free search, and the order secretaries expect.

Names are listed by given name (the last word), then middle names, then family name, in the
Vietnamese alphabet (a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y) with tones as the
tie-breaker (GLOSSARY.md). The sort key is digits only, so it orders the same under every
database collation (PostgreSQL's en_US ignores spaces; SQLite compares bytes).
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Base letters in Vietnamese dictionary order; f, j, w, z for foreign names.
_ALPHABET = [
    "a", "ă", "â", "b", "c", "d", "đ", "e", "ê", "f", "g", "h", "i", "j", "k", "l", "m", "n",
    "o", "ô", "ơ", "p", "q", "r", "s", "t", "u", "ư", "v", "w", "x", "y", "z",
]  # fmt: skip
_DIGITS = [str(d) for d in range(10)]
# Codes start at 10 so "00" (word end) sorts before every letter: "An" before "Anh".
_LETTER_CODE = {ch: f"{i + 10:02d}" for i, ch in enumerate(_DIGITS + _ALPHABET)}
_UNKNOWN = "99"
# Tone marks, dictionary order: level, grave, hook above, tilde, acute, dot below.
_TONES = {"\u0300": "1", "\u0309": "2", "\u0303": "3", "\u0301": "4", "\u0323": "5"}
# Marks that make a different letter (ă â ê ô ơ ư), not a tone.
_LETTER_MARKS = {"\u0306", "\u0302", "\u031b"}


@functools.lru_cache(maxsize=16384)
def nfc(text: str) -> str:
    """Normalise to NFC and collapse runs of whitespace; the form every name is stored in.

    Cached: an import normalises every cell twice (as read, then as a record), and most of a
    register's texts repeat (ethnicity, home town, occupation)."""
    if not text:
        return ""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return " ".join(text.split())


def fold(text: str) -> str:
    """Lower-case text without diacritics ("Đặng Thị Ánh" -> "dang thi anh") for searching."""
    return " ".join(_fold_word(word) for word in nfc(text).split(" ") if word)


@functools.lru_cache(maxsize=8192)
def _fold_word(word: str) -> str:
    """One word folded; cached, as names are made of a few thousand words."""
    decomposed = unicodedata.normalize("NFD", word.lower().replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@functools.lru_cache(maxsize=4096)
def _letters_and_tones(word: str) -> tuple[str, str]:
    """Split a word into its base-letter codes and its tone digits, letter by letter.

    Cached: names are made of a few thousand words, and an import or a seed keys thousands of
    names (a third of the work of checking an imported row, before the cache)."""
    letters: list[str] = []
    tones: list[str] = []
    for cluster in _clusters(unicodedata.normalize("NFD", word.lower())):
        base = cluster[0]
        marks = set(cluster[1:])
        letter = unicodedata.normalize(
            "NFC", base + "".join(m for m in cluster[1:] if m in _LETTER_MARKS)
        )
        if base == "d" and "\u0335" in marks:
            letter = "đ"
        letters.append(_LETTER_CODE.get(letter, _UNKNOWN))
        tones.append(next((_TONES[m] for m in cluster[1:] if m in _TONES), "0"))
    return "".join(letters), "".join(tones)


def _clusters(decomposed: str) -> list[str]:
    clusters: list[str] = []
    for ch in decomposed:
        if unicodedata.combining(ch) and clusters:
            clusters[-1] += ch
        else:
            clusters.append(ch)
    return clusters


def name_order(full_name: str) -> list[str]:
    """The words of a name in listing order: given name, middle names, family name."""
    words = [w for w in re.split(r"[\s\-]+", nfc(full_name)) if w]
    if len(words) <= 1:
        return words
    return [words[-1], *words[1:-1], words[0]]


def _words_key(words: list[str]) -> str:
    """Word by word: the word's letters, then "00", then its tones (one digit per letter).

    "00" sorts before every letter code, so "An" < "Anh"; when two words have the same letters
    their tone strings have the same length, so the next word starts at the same place.
    """
    parts: list[str] = []
    for word in words:
        letters, tones = _letters_and_tones(word)
        parts.append(letters + "00" + tones)
    return "".join(parts)


def name_sort_key(full_name: str) -> str:
    """Digits-only key: given name, middle names, family name; each word by letters, then tone."""
    return _words_key(name_order(full_name))


def text_sort_key(text: str) -> str:
    """The same key for a title kept in its written order ("Chi bộ bản Nà Tăm")."""
    return _words_key([w for w in nfc(text).split(" ") if w])
