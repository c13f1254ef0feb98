//! The patterns generated cases are drawn from. Each reads like the violations the Lạng Sơn
//! documents in `seeds/` describe: frozen food carried over border trails, fake medicine and
//! milk, cosmetics sold on e-commerce platforms, petroleum, cigarettes, sugar, firecrackers,
//! fertiliser, forest products… Titles and goods descriptions never name a person or a
//! business, because they end up in the searchable core compartment.
//!
//! The templates themselves are data, in `templates.json`; the names and places they are
//! filled with are the lists below.

use std::sync::LazyLock;

use serde::Deserialize;

use super::util::{Table, loaded, table, term, terms};
use crate::domain::vocab::{Channel as Ch, CommodityGroup as Cg, ViolationType as Vt};

/// What happens to seized goods once a case is handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
pub(super) enum Fate {
    /// Perishable, dangerous or counterfeit goods: destroyed after confiscation.
    Destroy,
    /// Legal goods of value: sold at auction, the proceeds go to the state budget.
    Auction,
    /// Goods only held for inspection (e.g. a sealed petrol pump): returned to the owner.
    Return,
    /// Money and documents: confiscated into the state budget as they are.
    Confiscate,
}

/// One kind of seized goods.
#[derive(Deserialize)]
pub(super) struct Goods {
    /// The seizure's item description.
    pub item: &'static str,
    /// What follows the quantity in a title or goods summary ("1.250 kg chân gà đông lạnh").
    pub label: &'static str,
    pub unit: &'static str,
    /// Quantity range.
    pub qty: (f64, f64),
    /// Whether the quantity keeps one decimal (cubic metres, tonnes).
    #[serde(default)]
    pub decimals: bool,
    /// Estimated value per unit, VND.
    pub price: i64,
    #[serde(borrow)]
    pub hs: Option<&'static str>,
    pub fate: Fate,
}

/// A pattern of violation case.
#[derive(Deserialize)]
pub(super) struct Template {
    #[serde(deserialize_with = "term")]
    pub violation: Vt,
    #[serde(deserialize_with = "term")]
    pub commodity: Cg,
    /// Channels it is detected through (repeat a channel to weight it).
    #[serde(deserialize_with = "terms")]
    pub channels: Vec<Ch>,
    /// Agency codes that typically lead it (repeat a code to weight it).
    pub leads: Vec<&'static str>,
    /// Title with `{q}` (quantity and label of the main goods) and `{where}` (place phrase).
    pub title: &'static str,
    /// The kind of shop, for a case found on the domestic market.
    pub shop: &'static str,
    pub goods: Vec<Goods>,
    /// Goods of foreign origin: the case may carry a customs record.
    pub imported: bool,
    /// The offence in the Criminal Code when the case is transferred to the police; empty when
    /// the violation is only ever administrative.
    pub crime: &'static str,
    pub weight: u32,
}

/// The templates, from `templates.json` (data, kept as data): read once, on first use.
static TEMPLATES: Table<Vec<Template>> =
    LazyLock::new(|| table("templates.json", include_str!("templates.json")));

pub(super) fn templates() -> anyhow::Result<&'static [Template]> {
    loaded(&TEMPLATES).map(Vec::as_slice)
}

/// Vietnamese family names, weighted towards those common among the Tày and Nùng people of
/// Lạng Sơn.
pub(super) static SURNAMES: &[&str] = &[
    "Nguyễn", "Nguyễn", "Hoàng", "Hoàng", "Nông", "Nông", "Lương", "Vi", "Lăng", "Chu", "Mã",
    "Lộc", "Hà", "Triệu", "Đàm", "Trần", "Lê", "Phạm", "Vũ", "Đinh", "Lý", "Bế", "La", "Dương",
    "Hứa", "Tô", "Đặng", "Bùi",
];

pub(super) static MIDDLE_MALE: &[&str] = &[
    "Văn", "Văn", "Văn", "Đức", "Minh", "Thanh", "Hữu", "Quang", "Tiến", "Xuân", "Công", "Đình",
];

pub(super) static MIDDLE_FEMALE: &[&str] = &[
    "Thị", "Thị", "Thị", "Thu", "Ngọc", "Thanh", "Minh", "Hồng", "Bích", "Phương",
];

pub(super) static GIVEN_MALE: &[&str] = &[
    "Hùng", "Dũng", "Tuấn", "Hải", "Long", "Thắng", "Cường", "Quân", "Nam", "Tùng", "Sơn", "Đạt",
    "Việt", "Khánh", "Hiếu", "Toàn", "Thành", "Phong", "Bình", "Lâm", "Trung", "Kiên", "Hưng",
    "Mạnh", "Quyết", "Chiến", "Duy", "Vinh",
];

pub(super) static GIVEN_FEMALE: &[&str] = &[
    "Hoa", "Lan", "Hương", "Thủy", "Mai", "Hạnh", "Linh", "Phương", "Nga", "Huyền", "Trang",
    "Thảo", "Yến", "Dung", "Liên", "Nhung", "Hiền", "Ngân", "Vân", "Loan",
];

/// Chinese nationals' names as Vietnamese documents write them (Sino-Vietnamese reading).
pub(super) static CHINESE_SURNAMES: &[&str] = &[
    "Lý", "Vương", "Trương", "Lưu", "Trần", "Hoàng", "Chu", "Lâm", "Ngô", "Mạc",
];

pub(super) static CHINESE_GIVEN: &[&str] = &[
    "Kiến Quốc",
    "Chí Cường",
    "Hải Ba",
    "Tiểu Long",
    "Quế Anh",
    "Văn Bân",
    "Minh Huy",
    "Kiến Hoa",
    "Tú Lan",
    "Chấn Hưng",
    "Vĩ",
    "Cương",
];

/// Hamlets (thôn, bản) of rural Lạng Sơn, for subjects' addresses.
pub(super) static HAMLETS: &[&str] = &[
    "Nà Chuông",
    "Pác Luống",
    "Khòn Khuyên",
    "Bản Thẩm",
    "Nà Lầu",
    "Pò Nhùng",
    "Khau Khoang",
    "Nà Phai",
    "Bản Vịt",
    "Pác Mòng",
    "Nà Tâm",
    "Khun Slam",
    "Bản Chu",
    "Nà Pàn",
    "Pò Mã",
    "Còn Quan",
    "Khuổi Khỉn",
    "Nà Sla",
];

/// Streets of the provincial centre, for addresses in wards.
pub(super) static STREETS: &[&str] = &[
    "Trần Đăng Ninh",
    "Lê Lợi",
    "Bà Triệu",
    "Phai Vệ",
    "Hùng Vương",
    "Lý Thái Tổ",
    "Tam Thanh",
    "Bắc Sơn",
    "Ngô Quyền",
    "Tô Thị",
    "Lê Đại Hành",
    "Mỹ Sơn",
    "Văn Vỉ",
    "Nguyễn Du",
];

/// Trading names for businesses (never appear in a case's title or summary).
pub(super) static BUSINESS_NAMES: &[&str] = &[
    "Hoàng Long",
    "Phú Thịnh",
    "Đông Bắc",
    "Kỳ Lừa",
    "Tân Phát",
    "Bảo An",
    "Minh Khang",
    "Hưng Thịnh",
    "Thành Đạt",
    "Việt Trung",
    "Hữu Nghị",
    "Đồng Tiến",
    "An Phát",
    "Quang Minh",
    "Thiên Phúc",
    "Gia Huy",
    "Trường Sơn",
    "Xứ Lạng",
    "Phúc Lộc",
    "Nam Quan",
];

pub(super) static BUSINESS_FORMS: &[&str] = &[
    "Công ty TNHH",
    "Công ty TNHH Thương mại và Dịch vụ",
    "Công ty TNHH Xuất nhập khẩu",
    "Công ty Cổ phần Logistics",
    "Công ty TNHH Thương mại tổng hợp",
];

/// National roads through the province, for goods caught in transit.
pub(super) static ROADS: &[&str] = &[
    "Quốc lộ 1A",
    "Quốc lộ 1A",
    "Quốc lộ 1B",
    "Quốc lộ 4A",
    "Quốc lộ 4B",
    "Quốc lộ 31",
    "Quốc lộ 279",
    "tuyến cao tốc Bắc Giang - Lạng Sơn",
];

/// Customs inspection findings, by whether origin or classification was at stake.
pub(super) static INSPECTION_RESULTS: &[&str] = &[
    "Kiểm tra thực tế 100% lô hàng; hàng hóa thực tế không đúng tên hàng, mã số HS so với tờ khai.",
    "Kiểm tra hồ sơ và thực tế hàng hóa; giấy chứng nhận xuất xứ (C/O) không hợp lệ, hàng hóa ghi sai xuất xứ.",
    "Phân luồng đỏ; số lượng hàng hóa thực tế vượt so với khai báo.",
    "Soi chiếu container phát hiện hàng hóa không khai báo cất giấu lẫn trong lô hàng.",
    "Hàng tạm nhập tái xuất không được tái xuất đúng thời hạn, có dấu hiệu đưa vào tiêu thụ nội địa.",
    "Hàng hóa mang nhãn hiệu trùng với nhãn hiệu đang được bảo hộ, doanh nghiệp không xuất trình được giấy phép sử dụng.",
];

pub(super) static CUSTOMS_REGIMES: &[&str] = &[
    "Kinh doanh",
    "Kinh doanh",
    "Tạm nhập tái xuất",
    "Tạm nhập tái xuất",
    "Quá cảnh",
    "Chuyển khẩu",
];

/// Provinces of birth by their CCCD code (first three digits), Lạng Sơn weighted.
pub(super) static BIRTH_PROVINCES: &[(&str, &str)] = &[
    ("020", "tỉnh Lạng Sơn"),
    ("020", "tỉnh Lạng Sơn"),
    ("020", "tỉnh Lạng Sơn"),
    ("020", "tỉnh Lạng Sơn"),
    ("020", "tỉnh Lạng Sơn"),
    ("020", "tỉnh Lạng Sơn"),
    ("020", "tỉnh Lạng Sơn"),
    ("001", "thành phố Hà Nội"),
    ("004", "tỉnh Cao Bằng"),
    ("019", "tỉnh Thái Nguyên"),
    ("024", "tỉnh Bắc Ninh"),
    ("022", "tỉnh Quảng Ninh"),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn is_nfc(s: &str) -> bool {
        crate::text::nfc(s) == s
    }

    #[test]
    fn template_text_is_nfc_and_consistent() {
        for t in templates().unwrap() {
            assert!(is_nfc(t.title), "{}", t.title);
            assert!(is_nfc(t.shop));
            assert!(!t.goods.is_empty() && !t.channels.is_empty() && !t.leads.is_empty());
            assert!(t.title.contains("{where}"), "{}", t.title);
            for g in &t.goods {
                assert!(is_nfc(g.item) && is_nfc(g.label) && is_nfc(g.unit));
                assert!(g.qty.0 <= g.qty.1);
            }
        }
        for list in [
            SURNAMES,
            GIVEN_MALE,
            GIVEN_FEMALE,
            HAMLETS,
            STREETS,
            BUSINESS_NAMES,
        ] {
            for s in list {
                assert!(is_nfc(s), "{s}");
            }
        }
    }
}
