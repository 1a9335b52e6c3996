"""What Vietnamese village cells talk about at their meetings: agenda items, documents from
above, the season's local issues, thematic topics, opinions, reasons for absence."""

from __future__ import annotations

from collections.abc import Iterable

from chibo.core.vietnamese import nfc


def _n(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(nfc(x) for x in items)


OPENING = nfc(
    "Ổn định tổ chức, điểm danh đảng viên; giới thiệu đại biểu, cử thư ký; thông qua chương trình"
)
CONTENT_HEAD = _n((
    "Đánh giá kết quả thực hiện nghị quyết tháng trước",
    "Đảng viên báo cáo nhiệm vụ được phân công, tự phê bình và phê bình",
    "Tình hình tư tưởng của đảng viên và nhân dân trong bản",
))  # fmt: skip
NEXT_TASKS = nfc("Nhiệm vụ trọng tâm tháng tới")
CONCLUSION = _n(("Bí thư chi bộ kết luận", "Biểu quyết thông qua nghị quyết"))
DOCUMENTS = (
    ("Quán triệt Chỉ thị 50-CT/TW về nâng cao chất lượng sinh hoạt chi bộ", "50-CT/TW"),
    ("Triển khai Hướng dẫn 42-HD/BTCTW về nội dung sinh hoạt chi bộ", "42-HD/BTCTW"),
    ("Nghị quyết Đại hội Đảng bộ xã nhiệm kỳ 2025–2030", "NQ/ĐH"),
    ("Kế hoạch phòng, chống thiên tai, tìm kiếm cứu nạn của xã", "KH/ĐU"),
    ("Thông báo kết luận của Ban Thường vụ Đảng ủy xã", "TB/ĐU"),
    ("Kế hoạch thu, nộp đảng phí năm", "KH/ĐU"),
)
LOCAL_ISSUES = {
    # Month -> what the village is busy with (Lai Châu: tea, rice terraces, rains, the dry
    # season's forest fires, Tết).
    1: ("Phòng chống rét đậm, rét hại cho người và gia súc", "Chuẩn bị đón Tết an toàn, tiết kiệm"),
    2: ("Giữ gìn an ninh trật tự dịp Tết", "Phòng chống cháy rừng mùa khô"),
    3: ("Phòng chống cháy rừng mùa khô", "Trồng rừng, trồng cây đầu xuân"),
    4: ("Chăm sóc chè vụ xuân", "Làm đường bê tông nội bản theo chương trình nông thôn mới"),
    5: ("Chuẩn bị gieo cấy lúa vụ mùa", "Phòng chống lũ quét, sạt lở đất mùa mưa"),
    6: (
        "Phòng chống lũ quét, sạt lở đất mùa mưa",
        "Vận động học sinh ra lớp, phòng chống đuối nước",
    ),
    7: ("Khắc phục hậu quả mưa lũ", "Tiêm phòng cho đàn trâu, bò"),
    8: ("Vận động học sinh ra lớp năm học mới", "Phòng chống tảo hôn"),
    9: ("Thu hoạch lúa mùa", "Phòng chống dịch bệnh gia súc"),
    10: ("Thu hoạch chè, quế", "Vận động nộp quỹ xây dựng nhà văn hóa bản"),
    11: ("Ngày hội Đại đoàn kết toàn dân tộc 18/11", "Rà soát hộ nghèo, cận nghèo"),
    12: ("Chuẩn bị tổng kết năm", "Phòng chống rét cho gia súc"),
}
THEMES = _n((
    "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
    "Xây dựng nông thôn mới gắn với giảm nghèo bền vững",
    "Phòng chống ma túy và tệ nạn xã hội trên địa bàn",
    "Giữ gìn bản sắc văn hóa các dân tộc",
    "Phát triển cây chè, cây quế gắn với bảo vệ rừng",
    "Phòng chống tảo hôn và hôn nhân cận huyết thống",
    "Bảo đảm quốc phòng, an ninh khu vực biên giới",
    "Nâng cao chất lượng sinh hoạt chi bộ theo Chỉ thị 50-CT/TW",
))  # fmt: skip
OPINIONS = _n((
    "Đề nghị chi bộ quan tâm sửa đoạn đường vào bản bị sạt lở sau mưa.",
    "Tôi đã hoàn thành việc vận động ba hộ được phân công; còn một hộ chưa đồng ý, đề nghị bản "
    "cùng xuống nhà vận động.",
    "Nhất trí với báo cáo; đề nghị giao cụ thể người theo dõi từng việc.",
    "Bà con phản ánh giá phân bón tăng, đề nghị hợp tác xã hỗ trợ mua chung.",
    "Tôi tự nhận còn chậm trong việc nộp đảng phí, xin hứa khắc phục trong tháng tới.",
    "Đề nghị tổ chức vệ sinh đường làng trước ngày lễ.",
    "Thanh niên trong bản đi làm ăn xa nhiều, cần nắm danh sách để liên hệ.",
    "Đề nghị mời cán bộ khuyến nông xã về hướng dẫn chăm sóc chè.",
    "Cần tăng cường tuần tra, nhắc nhở bà con không đốt nương gần rừng.",
    "Nhất trí với dự thảo nghị quyết, đề nghị bổ sung việc kiểm tra nước sinh hoạt.",
))  # fmt: skip
EXCUSES = _n((
    "Ốm", "Ốm", "Việc gia đình", "Việc gia đình", "Đi làm ăn xa", "Đi viện",
    "Đưa con đi khám bệnh", "Đi đám hiếu trong họ", "Lên nương, ở lán xa",
))  # fmt: skip
WORK_EXCUSES = _n(("Đi công tác", "Đi tập huấn", "Ốm", "Việc gia đình", "Trực cơ quan"))
LATE_REASONS = _n(("", "", "Đi nương về muộn", "Đón con", ""))
