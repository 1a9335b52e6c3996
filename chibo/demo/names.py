"""Vietnamese name and place-name data for the demo: ethnic groups, personal names, villages.

Only data and two tiny pickers live here; generator.py decides who lives where. The lists follow
naming customs in Lai Châu: Thái names carry "Văn"/"Thị" after a clan name (Lò, Lường, Tòng…),
H'Mông men often "A" or "Seo", Dao names use "Láo", "Lở", "Tả", "Mẩy" as middle names, Hà Nhì
and La Hủ names repeat a few short syllables. Ethnicity values use the official list of 54 groups
("Mông", not "H'Mông", is how it is written in a party record).
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


@dataclass(frozen=True)
class Weighted:
    """A weighted choice, precomputed: a few million picks per scale run make this hot."""

    items: tuple[str, ...]
    cum: tuple[float, ...] = field(repr=False)

    @classmethod
    def of(cls, pairs: Sequence[tuple[str, float]] | Sequence[str]) -> Weighted:
        items = [p if isinstance(p, str) else p[0] for p in pairs]
        weights = [1.0 if isinstance(p, str) else float(p[1]) for p in pairs]
        return cls(tuple(items), tuple(accumulate(weights)))

    @classmethod
    def words(cls, text: str) -> Weighted:
        """Equal weights for the space-separated words of ``text``."""
        return cls.of(_words(text))

    def pick(self, rng: random.Random) -> str:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.cum[-1])]


@dataclass(frozen=True)
class NameStyle:
    family: Weighted
    male_middle: Weighted
    female_middle: Weighted
    male_given: Weighted
    female_given: Weighted
    female_share: float

    def full_name(self, rng: random.Random, female: bool) -> str:
        if female:
            middle, given = self.female_middle, self.female_given
        else:
            middle, given = self.male_middle, self.male_given
        return f"{self.family.pick(rng)} {middle.pick(rng)} {given.pick(rng)}"


KINH, THAI, MONG, DAO, HA_NHI, GIAY = "Kinh", "Thái", "Mông", "Dao", "Hà Nhì", "Giáy"
LU, LA_HU, KHO_MU, MANG, CONG, SI_LA = "Lự", "La Hủ", "Khơ Mú", "Mảng", "Cống", "Si La"

_VAN_THI = (Weighted.of([("Văn", 1)]), Weighted.of([("Thị", 1)]))

_THAI_MALE = Weighted.words(
    "Pọm Phanh Ơn Sơn Xuân Hải Thanh Tiến Chiến Kim Hưng Tuân Quyết Thoan Tú Ngọc Biên Chăn "
    "Khiêm Ngoan Phong Sanh Tấn Inh Pâng Hặc Cương Duẩn Hùng Muôn Nghiệp Lả Bun Ban Toán"
)
_THAI_FEMALE = Weighted.words(
    "Ính Thoa Ỏn Xiêm Un Ánh Bích Nhung Phương Mai Đôi Hoa Tiên Lả Ngân Thắm Hương Yến Dung "
    "Kim Pánh Xuân Lan Oanh Duyên Hiền Thảo Ỉn Pọm"
)
_KINH_MALE = Weighted.words(
    "Hùng Dũng Tuấn Minh Hải Sơn Thắng Cường Quang Hòa Bình Toàn Long Nam Thành Trung Hiếu "
    "Tùng Đức Việt Kiên Hưng Phong Lâm Khánh Huy Tâm Thịnh Vinh Định Chính Quý Tú Hậu Lợi "
    "Thuận Nghĩa Sáng Trường"
)
_KINH_FEMALE = Weighted.words(
    "Lan Hương Hoa Hằng Thủy Mai Nga Hà Huyền Thảo Trang Linh Yến Ngọc Oanh Nhung Phương Hạnh "
    "Dung Liên Thu Loan Thúy Hiền Vân Tuyết Quyên Hồng Nhàn Xuân"
)
_HA_NHI_MALE = Weighted.words(
    "Xá Phà Hù Khừ Sừ Gơ Chè Lé Mò Do Xe Hừ Phứ Gạ Pà Chừ Dũ Ma Sò Hồ Dé Cà"
)
_HA_NHI_FEMALE = Weighted.words("Pà Xá Dơ Mé Sú Mơ Gố Chà Lé Xe Hà Phà Dé Mo Chừ")


def _style(
    family: Sequence[tuple[str, float]],
    male_middle: Weighted,
    female_middle: Weighted,
    male_given: Weighted,
    female_given: Weighted,
    female_share: float,
) -> NameStyle:
    return NameStyle(
        Weighted.of(family), male_middle, female_middle, male_given, female_given, female_share
    )


NAME_STYLES: dict[str, NameStyle] = {
    KINH: _style(
        [("Nguyễn", 38), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 5), ("Vũ", 4),
         ("Đặng", 3), ("Bùi", 3), ("Đỗ", 3), ("Ngô", 2), ("Dương", 2), ("Đinh", 2), ("Đào", 1.5),
         ("Lương", 1), ("Mai", 1), ("Trịnh", 1), ("Tạ", 1), ("Hà", 1), ("Đoàn", 1), ("Hồ", 1),
         ("Phùng", 0.5), ("Cao", 0.5)],
        Weighted.of([("Văn", 40), ("Đức", 10), ("Minh", 8), ("Quang", 7), ("Xuân", 6),
                     ("Hữu", 6), ("Công", 6), ("Ngọc", 4), ("Thanh", 5), ("Mạnh", 4),
                     ("Tiến", 4), ("Trọng", 3), ("Việt", 3)]),
        Weighted.of([("Thị", 60), ("Thu", 6), ("Thanh", 6), ("Ngọc", 5), ("Hồng", 4),
                     ("Minh", 4), ("Thị Thu", 5), ("Thị Thanh", 4), ("Thị Hồng", 3),
                     ("Phương", 3)]),
        _KINH_MALE, _KINH_FEMALE, 0.38,
    ),
    THAI: _style(
        [("Lò", 20), ("Lường", 12), ("Tòng", 8), ("Cầm", 8), ("Điêu", 6), ("Quàng", 8),
         ("Vì", 6), ("Hoàng", 5), ("Lù", 4), ("Mào", 2), ("Khoàng", 2), ("Bạc", 2), ("Hà", 3)],
        Weighted.of([("Văn", 90), ("Minh", 3), ("Xuân", 3), ("Thanh", 4)]),
        _VAN_THI[1], _THAI_MALE, _THAI_FEMALE, 0.35,
    ),
    MONG: _style(
        [("Giàng", 15), ("Sùng", 12), ("Vàng", 12), ("Lý", 10), ("Mùa", 8), ("Thào", 10),
         ("Hờ", 5), ("Lầu", 6), ("Tráng", 5), ("Ly", 3), ("Lồ", 4), ("Chá", 2), ("Vừ", 4),
         ("Hạng", 3), ("Cứ", 3)],
        Weighted.of([("A", 60), ("Seo", 18), ("Văn", 12), ("Chứ", 5), ("Sếnh", 5)]),
        _VAN_THI[1],
        Weighted.words(
            "Páo Lử Dế Sử Lềnh Chứ Sình Pó Dua Tủa Chá Dia Nhè Chu Sếnh Thào Lâu Cở Giống "
            "Tếnh Súa Pùa Chinh Hừ Vàng Dơ Phử Sáng Của Nhà Chàng Xá Dình Chư Mìn Khua Lồng "
            "Tú"
        ),
        Weighted.words(
            "Mỷ Dợ Máy Sua Dua Pàng Chi Mai Sinh Dế Xúa Ca Mý Pà Sủa Chứ Lan Dở Cở Ly Sàng "
            "Mò Say Dia Chừ Vư Mua"
        ),
        0.22,
    ),
    DAO: _style(
        [("Tẩn", 18), ("Chảo", 18), ("Lý", 12), ("Phàn", 14), ("Đặng", 10), ("Triệu", 8),
         ("Bàn", 6)],
        Weighted.of([("Văn", 35), ("Láo", 15), ("Lở", 10), ("A", 10), ("Quẩy", 6),
                     ("Kiềm", 6), ("Phủ", 5)]),
        Weighted.of([("Thị", 65), ("Tả", 12), ("Mẩy", 13)]),
        Weighted.words(
            "Sử San Pao Chiêu Kiều Quẩy Phẩy Vảng Lai Kin Dùn Chài Phù Xuân Tiến Chạn Lù Phin "
            "Sành Kình Tả Kiềm Nhất Vần"
        ),
        Weighted.words(
            "Mẩy Lở Chiêu Kiều Dùn Xè Nái Phẩy Chài Sai Kin Mai Lai Chạn Phin Sành Dùng "
            "Lìu"
        ),
        0.25,
    ),
    HA_NHI: _style(
        [("Pờ", 15), ("Chu", 15), ("Lỳ", 12), ("Ly", 8), ("Phu", 8), ("Hù", 6), ("Lò", 8),
         ("Tỷ", 4), ("Sần", 3), ("Lý", 8)],
        Weighted.of([("A", 25), ("Hừ", 15), ("Văn", 15), ("Lò", 12), ("Xè", 8), ("Chừ", 8),
                     ("Gơ", 6)]),
        Weighted.of([("Thị", 75), ("Mé", 15), ("Xé", 10)]),
        _HA_NHI_MALE, _HA_NHI_FEMALE, 0.22,
    ),
    GIAY: _style(
        [("Hoàng", 15), ("Lò", 12), ("Vàng", 8), ("Sần", 8), ("Lù", 8), ("Giàng", 6),
         ("Chảo", 4), ("Lương", 6), ("Nông", 4), ("Hà", 5)],
        _VAN_THI[0], _VAN_THI[1],
        Weighted.words(
            "Sinh Ngọc Pao Chiến Vần Dương Thắng Lèo Phúc Lềnh Thàng Chăn Quân Hồng Cường Dình "
            "Lụ Sơn Quang"
        ),
        Weighted.words(
            "Mai Lan Dương Hoa Pham Xuân Chiều Phương Lụa Thu Hiền Hồng Vân Dính Khuyên"
        ),
        0.30,
    ),
    LU: _style(
        [("Lò", 20), ("Tao", 15), ("Lường", 10), ("Chang", 8), ("Vàng", 6), ("Đao", 6),
         ("Tòng", 5)],
        *_VAN_THI, _THAI_MALE, _THAI_FEMALE, 0.30,
    ),
    LA_HU: _style(
        [("Lò", 12), ("Chu", 12), ("Phu", 12), ("Lý", 10), ("Pờ", 8), ("Vàng", 8), ("Mà", 6),
         ("Chang", 5)],
        Weighted.of([("A", 30), ("Văn", 25), ("Giả", 20), ("Phạ", 12)]),
        Weighted.of([("Thị", 85), ("Na", 15)]),
        Weighted.words("Chà Phạ Xe Pa Lè Ngải Khừ Chừ Phì Hừ Gà Xá Chư Lu Ma"),
        Weighted.words("Pa Na Sú Mế Chà Ngá Mu Xa Lù Thơ"),
        0.20,
    ),
    KHO_MU: _style(
        [("Lò", 20), ("Quàng", 15), ("Vì", 10), ("Cụt", 8), ("Lường", 10), ("Lù", 5)],
        *_VAN_THI, _THAI_MALE, _THAI_FEMALE, 0.25,
    ),
    MANG: _style(
        [("Lò", 20), ("Chìn", 12), ("Hoàng", 8), ("Tao", 10), ("Lường", 8), ("Pòn", 6),
         ("Lý", 5)],
        *_VAN_THI, _THAI_MALE, _THAI_FEMALE, 0.22,
    ),
    CONG: _style(
        [("Chang", 15), ("Lò", 12), ("Pờ", 10), ("Lường", 8), ("Chu", 10), ("Hoàng", 6),
         ("Điêu", 5)],
        *_VAN_THI, _THAI_MALE, _THAI_FEMALE, 0.22,
    ),
    SI_LA: _style(
        [("Hù", 15), ("Pờ", 10), ("Lò", 10), ("Chu", 10), ("Vàng", 6), ("Lý", 6)],
        Weighted.of([("Văn", 60), ("A", 40)]), _VAN_THI[1],
        _HA_NHI_MALE, _HA_NHI_FEMALE, 0.22,
    ),
}  # fmt: skip

# --- Where people live ------------------------------------------------------------------------
# Ethnic mix of party members by area of Lai Châu (approximate shares, by the former districts the
# 2025 communes were formed from). A commune not listed gets the province-wide mix.
_AREAS: dict[str, tuple[tuple[str, float], ...]] = {
    "than_uyen": ((THAI, 55), (MONG, 20), (KINH, 12), (KHO_MU, 8), (DAO, 5)),
    "tam_duong": ((MONG, 33), (DAO, 20), (THAI, 15), (GIAY, 12), (KINH, 10), (LU, 10)),
    "city": ((KINH, 60), (THAI, 14), (MONG, 10), (GIAY, 8), (DAO, 8)),
    "phong_tho": ((DAO, 30), (MONG, 30), (GIAY, 12), (THAI, 12), (KINH, 10), (HA_NHI, 6)),
    "sin_ho": ((MONG, 45), (DAO, 20), (THAI, 20), (KINH, 10), (HA_NHI, 5)),
    "nam_nhun": (
        (THAI, 25), (MONG, 25), (DAO, 10), (MANG, 10), (KINH, 10), (HA_NHI, 8), (CONG, 6),
        (KHO_MU, 6),
    ),
    "muong_te": (
        (HA_NHI, 30), (LA_HU, 20), (THAI, 15), (KINH, 12), (MONG, 10), (DAO, 5), (SI_LA, 4),
        (CONG, 4),
    ),
}  # fmt: skip
_COMMUNE_AREA = {
    **dict.fromkeys(
        ["xa_muong_kim", "xa_khoen_on", "xa_than_uyen", "xa_muong_than", "xa_pac_ta",
         "xa_nam_so", "xa_tan_uyen", "xa_muong_khoa"], "than_uyen"),
    **dict.fromkeys(["xa_ban_bo", "xa_binh_lu", "xa_ta_leng", "xa_khun_ha"], "tam_duong"),
    **dict.fromkeys(["phuong_tan_phong", "phuong_doan_ket"], "city"),
    **dict.fromkeys(
        ["xa_phong_tho", "xa_si_lo_lau", "xa_dao_san", "xa_khong_lao", "xa_sin_suoi_ho"],
        "phong_tho"),
    **dict.fromkeys(
        ["xa_tua_sin_chai", "xa_sin_ho", "xa_hong_thu", "xa_nam_tam", "xa_pu_sam_cap",
         "xa_nam_cuoi", "xa_nam_ma"], "sin_ho"),
    **dict.fromkeys(["xa_le_loi", "xa_nam_hang", "xa_pa_tan", "xa_muong_mo", "xa_hua_bum"],
                    "nam_nhun"),
    **dict.fromkeys(
        ["xa_bum_nua", "xa_bum_to", "xa_muong_te", "xa_thu_lum", "xa_pa_u", "xa_ta_tong",
         "xa_mu_ca"], "muong_te"),
}  # fmt: skip
PROVINCE_MIX = Weighted.of(
    [(THAI, 32), (MONG, 22), (DAO, 12), (KINH, 12), (GIAY, 5), (HA_NHI, 5), (LU, 3), (LA_HU, 3),
     (KHO_MU, 2), (MANG, 2), (CONG, 1), (SI_LA, 1)]
)  # fmt: skip
# The synthetic provinces of the scale run look like a lowland province: mostly Kinh.
LOWLAND_MIX = Weighted.of([(KINH, 82), (THAI, 6), (MONG, 4), (DAO, 3), (GIAY, 2), (KHO_MU, 3)])


def commune_mix(codename: str) -> Weighted:
    area = _COMMUNE_AREA.get(codename)
    return Weighted.of(_AREAS[area]) if area else PROVINCE_MIX


# --- Village names ----------------------------------------------------------------------------
# Tai-language place names (Thái, Lự, Giáy, Khơ Mú…): "Nà Tăm", "Pá Khoang", "Hua Bum".
TAI_FIRST = Weighted.of(
    [("Nà", 12), ("Nậm", 10), ("Huổi", 8), ("Pá", 6), ("Bản", 6), ("Hua", 5), ("Phiêng", 5),
     ("Mường", 4), ("Co", 4), ("Noong", 4), ("Pắc", 3), ("Hô", 3), ("Phai", 3), ("Bó", 3),
     ("Nong", 3), ("Tà", 2), ("Khuổi", 2), ("Ten", 2), ("Tát", 2), ("Pom", 2), ("Xà", 2),
     ("Che", 2), ("Cang", 2), ("Cò", 2)]
)  # fmt: skip
TAI_SECOND = Weighted.words(
    "Tăm Khoang Bum Hon Cuổi So Mạ Luông Pe Ngà Hẹ Xe Ban Cáy Đán Phát Lại Mu Kim Then Chăn Cha "
    "Hỏm Khem Lò Nọi Ít Sẳng Mẩy Pầu Sang Kẻo Hằn Noọng Bon Mòn Phạ Khá Ngập Liềng Hỏ Lốm Pục "
    "Chạng Sài Ná Ún Ngoang Đông Lằn Hin"
)
# Highland names (Mông, Dao, Hà Nhì, La Hủ): "Sì Thâu Chải", "Tả Lèng", "Phìn Hồ".
HIGH_FIRST = Weighted.words(
    "Sì Tả Phìn Lùng Sin Séo Chin Ma Hồ Chản Cu Pa Mù Sùng Nhìu Lao Tủa Chù Gia Sáng Thèn Lầu "
    "Dền Ván Suối Sang Can Khao Mò Phù Chang"
)
HIGH_SECOND = Weighted.words(
    "Thâu Lèng Hồ Thàng Chải Phìn Sang Sán Chồ San Pho Lình Chang Sử Sung Pả Tủng Giàng Mìn Hấu "
    "Ngài Lử Cáng Tẩn Sảng Lù Pao Xin Tông Dìn Sài Páo Chù Xá Mé"
)
HIGH_THIRD = Weighted.words("Chải Phìn Hồ Sán Chồ Thàng Lử Pao Sảng Chang Lầu Sung")
# Settled (mostly Kinh) villages carry programme names.
KINH_VILLAGES = (
    "Tân Bình",
    "Đoàn Kết",
    "Thống Nhất",
    "Hòa Bình",
    "Tiến Thắng",
    "Thành Công",
    "Quyết Tiến",
    "Tân Hợp",
    "Đông Phong",
    "Tân Lập",
    "Hợp Nhất",
    "Tân Tiến",
    "Thắng Lợi",
    "Quyết Thắng",
    "Đồng Tâm",
    "Phú Thịnh",
    "Minh Khai",
    "Tân Sơn",
    "Bình Minh",
    "Hưng Phong",
    "Trung Tâm",
    "Tân Phú",
    "An Bình",
    "Đông Thành",
    "Vinh Quang",
    "Nam Tiến",
    "Tân Yên",
    "Hồng Phong",
    "Cộng Hòa",
    "Tân Thành",
)
HIGHLAND_GROUPS = frozenset({MONG, DAO, HA_NHI, LA_HU, SI_LA})

# Syllables for the synthetic communes of the scale run ("Tân Hòa", "Phú Xuân"…).
PLACE_SYLLABLES = _words(
    "Tân Hòa Phú An Bình Thịnh Hưng Long Phong Đông Tây Nam Bắc Sơn Thủy Lạc Minh Quang Thanh "
    "Vĩnh Xuân Yên Hợp Tiến Thuận Đức Hải Trung Kim Ngọc Mỹ Cẩm Gia Hoàng Tam Quảng Định Hồng "
    "Phúc Lâm"
)

# Mobile prefixes of the three big networks, for members who have a phone.
PHONE_PREFIXES = _words(
    "086 096 097 098 032 033 034 035 036 037 038 039 088 091 094 083 084 085 081 082 089 090 "
    "093 070 076 077 078 079"
)


def village_name(rng: random.Random, ethnicity: str) -> str:
    """A plausible village name in the naming style of its main ethnic group."""
    if ethnicity == KINH:
        if rng.random() < 0.5:
            return rng.choice(KINH_VILLAGES)
        return f"{rng.choice(PLACE_SYLLABLES)} {rng.choice(PLACE_SYLLABLES)}"
    if ethnicity in HIGHLAND_GROUPS:
        words = [HIGH_FIRST.pick(rng), HIGH_SECOND.pick(rng)]
        if rng.random() < 0.3:
            words.append(HIGH_THIRD.pick(rng))
        return " ".join(words)
    return f"{TAI_FIRST.pick(rng)} {TAI_SECOND.pick(rng)}"
