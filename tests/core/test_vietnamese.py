from __future__ import annotations

import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from chibo.core.vietnamese import fold, name_order, name_sort_key, nfc, text_sort_key

VIETNAMESE = (
    "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ"
)
words = st.text(alphabet=VIETNAMESE + VIETNAMESE.upper(), min_size=1, max_size=8)
names = st.lists(words, min_size=1, max_size=4).map(" ".join)


def test_fold_removes_diacritics_and_case() -> None:
    assert fold("Đặng Thị Ánh") == "dang thi anh"
    assert fold("NGUYỄN  Văn   A") == "nguyen van a"


def test_names_are_listed_by_given_name_then_middle_then_family() -> None:
    people = ["Nguyễn Văn Bình", "Trần Thị An", "Lò Văn Anh", "Đặng Văn Ánh", "Lê Thị Dũng"]
    ordered = sorted(people, key=name_sort_key)
    assert ordered == [
        "Trần Thị An",
        "Lò Văn Anh",
        "Đặng Văn Ánh",
        "Nguyễn Văn Bình",
        "Lê Thị Dũng",
    ]
    assert name_order("Nguyễn Văn An") == ["An", "Văn", "Nguyễn"]


def test_vietnamese_letter_order() -> None:
    # a < ă < â, d < đ, o < ô < ơ, u < ư: not the order of code points.
    given_names = ["Ư", "U", "Đ", "D", "Ơ", "Ô", "O", "Â", "Ă", "A"]
    ordered = sorted(given_names, key=name_sort_key)
    assert ordered == ["A", "Ă", "Â", "D", "Đ", "O", "Ô", "Ơ", "U", "Ư"]


def test_tones_only_break_ties() -> None:
    assert sorted(["Ánh", "Anh", "Ảnh", "Anhs"], key=name_sort_key) == ["Anh", "Ảnh", "Ánh", "Anhs"]


def test_sort_key_is_digits_only_for_any_database_collation() -> None:
    assert name_sort_key("Lò Văn Piếng").isdigit()
    assert text_sort_key("Chi bộ bản Nà Tăm").isdigit()


@given(names)
def test_nfd_input_gives_the_same_keys(name: str) -> None:
    decomposed = unicodedata.normalize("NFD", name)
    assert nfc(decomposed) == nfc(name)
    assert name_sort_key(decomposed) == name_sort_key(name)
    assert fold(decomposed) == fold(name)


@given(names)
def test_fold_is_plain_ascii_lowercase_and_idempotent(name: str) -> None:
    folded = fold(name)
    assert folded.isascii()
    assert folded == folded.lower()
    assert fold(folded) == folded


@given(names, names)
def test_sort_key_ties_only_for_the_same_name(a: str, b: str) -> None:
    same = name_order(nfc(a).lower()) == name_order(nfc(b).lower())
    assert (name_sort_key(a) == name_sort_key(b)) == same
