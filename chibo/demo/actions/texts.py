"""What village cells in Lai Châu give their members to do, what comes of it, and what people
tell the members who follow their households (the demo's action items and contact notes).

A task may name ``{group}`` (a group of households), ``{head}`` (a head of household of the
cell: "ông Lò Văn Pọm"), ``{place}`` ("bản", "thôn", "tổ dân phố") or ``{n}`` (a few households).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from chibo.core.vietnamese import nfc


def _n(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(nfc(x) for x in items)


# Month of the meeting -> tasks of its resolution, after the season's local issues
# (chibo.demo.meetings.texts.LOCAL_ISSUES).
TASKS = {
    1: _n(
        (
            "Vận động {n} hộ làm chuồng trại kín, che chắn chống rét cho trâu, bò",
            "Kiểm tra, hỗ trợ chăn ấm cho các hộ nghèo ở {group}",
            "Tổ chức tổng vệ sinh đường {place}, ngõ xóm đón Tết",
            "Nhắc thanh niên không uống rượu khi đi xe máy dịp Tết",
        )
    ),
    2: _n(
        (
            "Phân công đảng viên trực, tuần tra giữ an ninh trật tự dịp Tết",
            "Tuyên truyền không đốt nương gần rừng tại {group}",
            "Các hộ giáp rừng ký cam kết phòng cháy, chữa cháy rừng",
            "Thăm hỏi, tặng quà gia đình chính sách, hộ nghèo dịp Tết",
        )
    ),
    3: _n(
        (
            "Vận động {n} hộ đăng ký trồng rừng keo",
            "Tổ chức Tết trồng cây đầu xuân tại nhà văn hóa {place}",
            "Thành lập tổ xung kích phòng cháy, chữa cháy rừng của {place}",
            "Nhận cây giống quế của xã, phát cho các hộ đã đăng ký",
        )
    ),
    4: _n(
        (
            "Sửa đường nội {place} đoạn qua nhà {head}",
            "Vận động các hộ hiến đất, góp ngày công làm đường bê tông nội {place}",
            "Mời cán bộ khuyến nông hướng dẫn đốn, bón phân chè vụ xuân",
            "Vận động {n} hộ mở rộng diện tích chè theo kế hoạch của xã",
        )
    ),
    5: _n(
        (
            "Nạo vét mương thủy lợi đầu nguồn trước vụ mùa",
            "Lập danh sách các hộ ở nơi có nguy cơ sạt lở để di dời khi mưa lớn",
            "Vận động các hộ gieo cấy đúng khung lịch thời vụ",
            "Đắp lại bờ kè đoạn suối qua nhà {head}",
        )
    ),
    6: _n(
        (
            "Tuyên truyền phòng chống đuối nước cho trẻ em dịp hè",
            "Phân công đảng viên theo dõi điểm sạt lở gần {group}",
            "Cắm biển cảnh báo ở các ngầm tràn, suối sâu",
            "Vận động học sinh tham gia sinh hoạt hè tại nhà văn hóa {place}",
        )
    ),
    7: _n(
        (
            "Huy động ngày công dọn đất đá sạt lở trên đường vào {place}",
            "Giúp gia đình {head} dựng lại chuồng trại bị lũ cuốn",
            "Vận động các hộ đưa trâu, bò đi tiêm phòng lở mồm long móng",
            "Thống kê thiệt hại do mưa lũ, báo cáo Ủy ban nhân dân xã",
        )
    ),
    8: _n(
        (
            "Vận động {n} học sinh bỏ học trở lại lớp năm học mới",
            "Tuyên truyền phòng chống tảo hôn tại {group}",
            "Sửa lại lớp cắm {place} trước năm học mới",
            "Rà soát trẻ em đến tuổi đi học chưa ra lớp",
        )
    ),
    9: _n(
        (
            "Vận động các hộ không thả rông gia súc sau thu hoạch",
            "Phun tiêu độc chuồng trại, phòng dịch tả lợn châu Phi",
            "Giúp gia đình {head} thu hoạch lúa (gia đình neo đơn)",
            "Hướng dẫn các hộ làm đất trồng ngô vụ đông",
        )
    ),
    10: _n(
        (
            "Thu quỹ xây dựng nhà văn hóa {place}",
            "Liên hệ hợp tác xã thu mua chè, quế cho bà con",
            "Vận động {n} hộ vào tổ hợp tác trồng chè an toàn",
            "Sửa mái, quét vôi nhà văn hóa {place}",
        )
    ),
    11: _n(
        (
            "Chuẩn bị Ngày hội Đại đoàn kết toàn dân tộc ở {place}",
            "Rà soát hộ nghèo, cận nghèo tại {group}, báo cáo xã",
            "Bình xét gia đình văn hóa năm nay",
            "Vận động ủng hộ Quỹ Vì người nghèo",
        )
    ),
    12: _n(
        (
            "Chuẩn bị báo cáo tổng kết công tác năm của chi bộ",
            "Vận động các hộ dự trữ rơm, cỏ khô cho trâu, bò mùa rét",
            "Đảng viên hoàn thành bản kiểm điểm cuối năm",
            "Kiểm tra các hộ có người già, trẻ nhỏ trước đợt rét",
        )
    ),
}
# Tasks of any month.
ANY_MONTH = _n(
    (
        "Thu quỹ khuyến học",
        "Tuyên truyền phòng chống ma túy tại {group}",
        "Thu, nộp đảng phí đầy đủ, đúng hạn",
        "Vận động các hộ đóng bảo hiểm y tế cho cả gia đình",
        "Nắm danh sách thanh niên đi làm ăn xa",
        "Nhắc các hộ giữ sạch nguồn nước tự chảy",
        "Hòa giải việc tranh chấp ranh giới nương ở {group}",
        "Thăm hỏi gia đình {head} có người ốm nặng",
        "Vận động {n} hộ làm nhà tiêu hợp vệ sinh",
        "Vận động {n} hộ đăng ký vay vốn hộ nghèo để mua bò giống",
    )
)
DETAILS = _n(
    (
        "",
        "",
        "",
        "Báo cáo kết quả tại kỳ sinh hoạt sau.",
        "Phối hợp với trưởng {place} và các đoàn thể.",
        "Có danh sách hộ kèm theo, gửi xã sau khi xong.",
    )
)

# Reviews: the meeting's note, or the owner's report before it.
NOT_DONE = _n(
    (
        "Hộ gia đình chưa đồng ý, cần vận động thêm",
        "Mưa nhiều, chưa làm được",
        "Chưa có kinh phí, chờ xã hỗ trợ xi măng",
        "Đồng chí phụ trách đi vắng, chưa triển khai",
        "Bà con đang bận mùa vụ, chuyển sang tháng sau",
        "Mới thu được một nửa, nhiều hộ còn khó khăn",
        "Chưa có cây giống, chờ xã cấp",
    )
)
DROPPED = _n(
    (
        "Xã đã giao cho Chi đoàn thanh niên thực hiện",
        "Hộ đã chuyển đi nơi khác sinh sống",
        "Xã điều chỉnh kế hoạch, không thực hiện nữa",
        "Đã gộp vào việc làm đường của {place}",
    )
)
IN_PROGRESS = _n(
    (
        "",
        "Đã làm được khoảng một nửa",
        "Đã vận động được 3 hộ, còn 2 hộ",
        "Đang chờ vật liệu",
        "Đã họp nhóm hộ, đang triển khai",
    )
)
DONE = _n(("", "", "Hoàn thành đúng kế hoạch", "Các hộ đã thực hiện xong", "Đã báo cáo xã"))
REPORTED_DONE = _n(
    (
        "Đã làm xong, đề nghị chi bộ ghi nhận",
        "Đã vận động xong, các hộ đã ký đăng ký",
        "Đã thu đủ, đã nộp thủ quỹ",
        "Đã hoàn thành, có ảnh gửi nhóm Zalo của chi bộ",
    )
)
REPORTED_PROGRESS = _n(
    (
        "Đang làm, dự kiến xong trước kỳ họp",
        "Đã gặp được 4 hộ, còn 2 hộ đi nương chưa gặp",
        "Đã xong phần việc của nhóm hộ, còn chờ các hộ khác",
    )
)

# The commune's guidance: (title, details).
GUIDANCE = tuple(
    (nfc(title), nfc(details))
    for title, details in (
        ("Rà soát hộ nghèo, hộ cận nghèo theo chuẩn mới", "Gửi danh sách về Ủy ban nhân dân xã."),
        ("Hướng dẫn người dân cài đặt và dùng ứng dụng VNeID",
         "Mỗi đảng viên giúp các hộ mình phụ trách."),
        ("Vận động người dân tham gia bảo hiểm y tế, bảo hiểm xã hội tự nguyện", ""),
        ("Thống kê nhà tạm, nhà dột nát để hỗ trợ xóa nhà tạm", "Báo cáo số hộ, tình trạng nhà."),
        ("Phòng chống dịch tả lợn châu Phi: nắm số lợn của các hộ", ""),
        ("Tổng vệ sinh môi trường, thu gom rác thải ven suối", ""),
        ("Ra quân phát quang, sửa đường giao thông nông thôn", "Mỗi hộ góp hai ngày công."),
        ("Nắm tình hình người dân đi lao động ở nước ngoài", "Lập danh sách, báo công an xã."),
    )
)  # fmt: skip
# Documents from above a cell makes a plan for: (reference, date, what the kind is called,
# the step the cell takes).
DOCUMENTS = tuple(
    (ref, day, nfc(kind), nfc(step))
    for ref, day, kind, step in (
        ("35-CT/TW", dt.date(2024, 6, 14), "Chỉ thị",
         "Tổ chức cho nhân dân góp ý dự thảo văn kiện đại hội đảng bộ các cấp"),
        ("57-NQ/TW", dt.date(2024, 12, 22), "Nghị quyết",
         "Hướng dẫn bà con dùng dịch vụ công trực tuyến, thanh toán không dùng tiền mặt"),
        ("123-KL/TW", dt.date(2025, 1, 24), "Kết luận",
         "Vận động các hộ mở rộng sản xuất, chăn nuôi, góp phần tăng trưởng của xã"),
        ("45-CT/TW", dt.date(2025, 4, 14), "Chỉ thị",
         "Tuyên truyền kết quả đại hội đảng bộ xã nhiệm kỳ 2025–2030 đến từng hộ"),
        ("68-NQ/TW", dt.date(2025, 5, 4), "Nghị quyết",
         "Vận động hộ kinh doanh trong {place} đăng ký kinh doanh, vay vốn mở rộng sản xuất"),
        ("71-NQ/TW", dt.date(2025, 8, 22), "Nghị quyết",
         "Vận động trẻ em trong độ tuổi ra lớp, hỗ trợ học sinh bán trú"),
        ("72-NQ/TW", dt.date(2025, 9, 9), "Nghị quyết",
         "Vận động người dân khám sức khỏe định kỳ, lập hồ sơ sức khỏe điện tử"),
    )
)  # fmt: skip

# Households.
HOUSEHOLD_NOTES = _n(
    (
        "Hộ nghèo",
        "Hộ cận nghèo",
        "Gia đình chính sách",
        "Người cao tuổi sống một mình",
        "Có con đi làm ăn xa",
        "Hộ mới thoát nghèo",
    )
)
NEW_HOUSEHOLD = _n(("Hộ mới tách hộ", "Mới chuyển đến", "Hộ mới tách hộ, chưa phân công"))
MOVED_AWAY = nfc("Cả gia đình đã chuyển đi nơi khác")
# Contact notes by category (ContactCategory values), with the weight of the category.
CONTACTS = {
    "production": (30, _n((
        "Gia đình muốn vay vốn ưu đãi để mua bò giống",
        "Hỏi về giống lúa mới và lịch thời vụ",
        "Chè bị sâu, đề nghị cán bộ khuyến nông xuống xem",
        "Đã trồng xong hai sào quế, cần thêm cây giống",
        "Giá chè búp tươi giảm, gia đình lo đầu ra",
        "Muốn vào tổ hợp tác nuôi cá ruộng",
        "Lợn con bị bệnh, đã hướng dẫn báo thú y xã",
        "Gia đình khai hoang được thêm nửa sào ruộng",
    ))),
    "security": (12, _n((
        "Có người lạ vào bản hỏi mua đất",
        "Nghi có người dùng ma túy, đã báo công an xã",
        "Hai hộ tranh chấp ranh giới nương, đề nghị tổ hòa giải",
        "Bị mất trộm gà, đã báo trưởng bản",
        "Thanh niên uống rượu gây ồn ào buổi tối",
        "Con trai đi làm bên Trung Quốc chưa về, gia đình lo lắng",
        "Có người đến tuyên truyền đạo lạ, đã nhắc gia đình không nghe theo",
    ))),
    "environment": (12, _n((
        "Rác thải ven suối nhiều, đề nghị làm hố rác chung",
        "Chuồng lợn sát nhà, đã nhắc chuyển ra xa",
        "Nước tự chảy bị đục sau mưa",
        "Gia đình đã làm xong nhà tiêu hợp vệ sinh",
        "Rãnh thoát nước trước nhà bị tắc",
        "Đốt nương gần rừng, đã nhắc nhở",
    ))),
    "social_welfare": (20, _n((
        "Cụ ông ốm nặng, gia đình khó khăn, đề nghị hỗ trợ",
        "Nhà dột nát, đề nghị xét hỗ trợ xóa nhà tạm",
        "Cháu nhỏ chưa có thẻ bảo hiểm y tế",
        "Cháu lớp 6 muốn bỏ học đi làm, đã vận động đi học tiếp",
        "Gia đình cận nghèo, hỏi thủ tục vay vốn",
        "Người cao tuổi chưa nhận trợ cấp tháng này",
        "Gia đình định gả con gái 16 tuổi, đã giải thích về tảo hôn",
    ))),
    "opinions": (12, _n((
        "Đồng tình làm đường bê tông, sẵn sàng góp ngày công",
        "Phản ánh việc bình xét hộ nghèo chưa công khai",
        "Mong xã sớm sửa cầu treo qua suối",
        "Khen cán bộ xã làm thủ tục nhanh",
        "Chưa hiểu việc sắp xếp lại xã, đã giải thích cho gia đình",
        "Đề nghị cán bộ xã xuống bản thường xuyên hơn",
        "Hỏi vì sao tiền hỗ trợ bảo vệ rừng chậm",
    ))),
    "other": (14, _n((
        "Thăm gia đình mới sinh cháu",
        "Nhắc gia đình đi làm căn cước cho con",
        "Gia đình chuẩn bị làm nhà mới, nhờ bản giúp ngày công",
        "Dự đám cưới con trai của gia đình",
        "Nhắc nộp quỹ khuyến học của bản",
        "Gia đình có người đi lao động xuất khẩu về",
    ))),
}  # fmt: skip
