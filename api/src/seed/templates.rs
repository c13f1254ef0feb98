//! The patterns generated cases are drawn from. Each reads like the violations the Lạng Sơn
//! documents in `seeds/` describe: frozen food carried over border trails, fake medicine and
//! milk, cosmetics sold on e-commerce platforms, petroleum, cigarettes, sugar, firecrackers,
//! fertiliser, forest products… Titles and goods descriptions never name a person or a
//! business, because they end up in the searchable core compartment.

use crate::domain::vocab::{Channel as Ch, CommodityGroup as Cg, ViolationType as Vt};

/// What happens to seized goods once a case is handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
pub(super) struct Goods {
    /// The seizure's item description.
    pub item: &'static str,
    /// What follows the quantity in a title or goods summary ("1.250 kg chân gà đông lạnh").
    pub label: &'static str,
    pub unit: &'static str,
    /// Quantity range.
    pub qty: (f64, f64),
    /// Whether the quantity keeps one decimal (cubic metres, tonnes).
    pub decimals: bool,
    /// Estimated value per unit, VND.
    pub price: i64,
    pub hs: Option<&'static str>,
    pub fate: Fate,
}

/// A pattern of violation case.
pub(super) struct Template {
    pub violation: Vt,
    pub commodity: Cg,
    /// Channels it is detected through (repeat a channel to weight it).
    pub channels: &'static [Ch],
    /// Agency codes that typically lead it (repeat a code to weight it).
    pub leads: &'static [&'static str],
    /// Title with `{q}` (quantity and label of the main goods) and `{where}` (place phrase).
    pub title: &'static str,
    /// The kind of shop, for a case found on the domestic market.
    pub shop: &'static str,
    pub goods: &'static [Goods],
    /// Goods of foreign origin: the case may carry a customs record.
    pub imported: bool,
    /// The offence in the Criminal Code when the case is transferred to the police; empty when
    /// the violation is only ever administrative.
    pub crime: &'static str,
    pub weight: u32,
}

const fn g(
    item: &'static str,
    label: &'static str,
    unit: &'static str,
    qty: (f64, f64),
    price: i64,
    hs: Option<&'static str>,
    fate: Fate,
) -> Goods {
    Goods {
        item,
        label,
        unit,
        qty,
        decimals: false,
        price,
        hs,
        fate,
    }
}

const fn gd(
    item: &'static str,
    label: &'static str,
    unit: &'static str,
    qty: (f64, f64),
    price: i64,
    hs: Option<&'static str>,
    fate: Fate,
) -> Goods {
    Goods {
        item,
        label,
        unit,
        qty,
        decimals: true,
        price,
        hs,
        fate,
    }
}

const CRIME_188: &str = "Buôn lậu (Điều 188 Bộ luật Hình sự)";
const CRIME_189: &str =
    "Vận chuyển trái phép hàng hóa, tiền tệ qua biên giới (Điều 189 Bộ luật Hình sự)";

static FROZEN: &[Goods] = &[
    g(
        "Chân gà đông lạnh không rõ nguồn gốc, không có giấy chứng nhận kiểm dịch",
        "chân gà đông lạnh",
        "kg",
        (200.0, 3500.0),
        45_000,
        Some("0207.14"),
        Fate::Destroy,
    ),
    g(
        "Nầm lợn đông lạnh không rõ nguồn gốc",
        "nầm lợn đông lạnh",
        "kg",
        (100.0, 1500.0),
        95_000,
        Some("0206.49"),
        Fate::Destroy,
    ),
    g(
        "Sách bò đông lạnh không rõ nguồn gốc",
        "sách bò đông lạnh",
        "kg",
        (100.0, 1200.0),
        70_000,
        Some("0206.29"),
        Fate::Destroy,
    ),
    g(
        "Cánh gà đông lạnh không rõ nguồn gốc",
        "cánh gà đông lạnh",
        "kg",
        (150.0, 2500.0),
        55_000,
        Some("0207.14"),
        Fate::Destroy,
    ),
];

pub(super) static TEMPLATES: &[Template] = &[
    Template {
        violation: Vt::IllegalCrossBorderTransport,
        commodity: Cg::FrozenFood,
        channels: &[Ch::BorderTrail],
        leads: &["BDBP", "BDBP", "BDBP", "CA", "HQ"],
        title: "Vận chuyển trái phép {q} {where}",
        shop: "",
        goods: FROZEN,
        imported: true,
        crime: CRIME_189,
        weight: 14,
    },
    Template {
        violation: Vt::Smuggling,
        commodity: Cg::FrozenFood,
        channels: &[Ch::InlandTransport, Ch::InlandTransport, Ch::Warehouse],
        leads: &["CA", "QLTT", "HQ", "BDBP"],
        title: "Tàng trữ, vận chuyển {q} nhập lậu {where}",
        shop: "",
        goods: FROZEN,
        imported: true,
        crime: CRIME_188,
        weight: 8,
    },
    Template {
        violation: Vt::Smuggling,
        commodity: Cg::Cigarettes,
        channels: &[Ch::InlandTransport, Ch::BorderTrail, Ch::DomesticMarket],
        leads: &["CA", "QLTT", "BDBP", "HQ"],
        title: "Tàng trữ, vận chuyển {q} {where}",
        shop: "một cửa hàng tạp hóa",
        goods: &[
            g(
                "Thuốc lá điếu nhập lậu nhãn hiệu Jet",
                "thuốc lá điếu nhập lậu nhãn hiệu Jet",
                "bao",
                (300.0, 8000.0),
                14_000,
                Some("2402.20"),
                Fate::Destroy,
            ),
            g(
                "Thuốc lá điếu nhập lậu nhãn hiệu Esse",
                "thuốc lá điếu nhập lậu nhãn hiệu Esse",
                "bao",
                (300.0, 6000.0),
                22_000,
                Some("2402.20"),
                Fate::Destroy,
            ),
            g(
                "Thuốc lá điếu nhập lậu nhãn hiệu Hero",
                "thuốc lá điếu nhập lậu nhãn hiệu Hero",
                "bao",
                (300.0, 8000.0),
                12_000,
                Some("2402.20"),
                Fate::Destroy,
            ),
        ],
        imported: true,
        crime: CRIME_188,
        weight: 8,
    },
    Template {
        violation: Vt::Smuggling,
        commodity: Cg::Sugar,
        channels: &[Ch::BorderTrail, Ch::InlandTransport, Ch::Warehouse],
        leads: &["BDBP", "CA", "QLTT", "HQ"],
        title: "Vận chuyển {q} {where}",
        shop: "",
        goods: &[g(
            "Đường kính trắng nhập lậu, bao bì in chữ nước ngoài",
            "đường kính trắng nhập lậu",
            "kg",
            (1000.0, 25000.0),
            17_000,
            Some("1701.99"),
            Fate::Auction,
        )],
        imported: true,
        crime: CRIME_188,
        weight: 5,
    },
    Template {
        violation: Vt::ProhibitedGoods,
        commodity: Cg::Other,
        channels: &[
            Ch::BorderTrail,
            Ch::InlandTransport,
            Ch::SocialNetwork,
            Ch::PostalCourier,
        ],
        leads: &["CA", "CA", "BDBP", "QLTT"],
        title: "Tàng trữ, vận chuyển trái phép {q} {where}",
        shop: "",
        goods: &[
            g(
                "Pháo nổ các loại",
                "pháo nổ",
                "kg",
                (5.0, 300.0),
                600_000,
                Some("3604.90"),
                Fate::Destroy,
            ),
            g(
                "Pháo hoa nổ dạng hộp (giàn)",
                "pháo hoa nổ",
                "hộp",
                (10.0, 200.0),
                450_000,
                Some("3604.10"),
                Fate::Destroy,
            ),
        ],
        imported: true,
        crime: "Tàng trữ, vận chuyển hàng cấm (Điều 191 Bộ luật Hình sự)",
        weight: 6,
    },
    Template {
        violation: Vt::Counterfeit,
        commodity: Cg::Medicine,
        channels: &[
            Ch::DomesticMarket,
            Ch::DomesticMarket,
            Ch::Warehouse,
            Ch::SocialNetwork,
            Ch::ECommerce,
        ],
        leads: &["CA", "QLTT", "SYT", "SYT"],
        title: "Kinh doanh {q} {where}",
        shop: "một quầy thuốc",
        goods: &[
            g(
                "Thuốc kháng sinh giả mạo nhãn hiệu",
                "thuốc kháng sinh giả",
                "hộp",
                (50.0, 2000.0),
                120_000,
                Some("3004.20"),
                Fate::Destroy,
            ),
            g(
                "Thuốc giảm đau, hạ sốt giả mạo nhãn hiệu",
                "thuốc giảm đau, hạ sốt giả",
                "hộp",
                (50.0, 2500.0),
                60_000,
                Some("3004.90"),
                Fate::Destroy,
            ),
            g(
                "Thuốc đông dược không rõ nguồn gốc, không có số đăng ký lưu hành",
                "thuốc đông dược không rõ nguồn gốc",
                "hộp",
                (50.0, 1500.0),
                90_000,
                Some("3004.90"),
                Fate::Destroy,
            ),
        ],
        imported: false,
        crime: "Sản xuất, buôn bán hàng giả là thuốc chữa bệnh, thuốc phòng bệnh (Điều 194 Bộ luật Hình sự)",
        weight: 6,
    },
    Template {
        violation: Vt::Smuggling,
        commodity: Cg::Medicine,
        channels: &[Ch::BorderTrail, Ch::InlandTransport, Ch::PostalCourier],
        leads: &["HQ", "BDBP", "CA", "SYT"],
        title: "Vận chuyển {q} {where}",
        shop: "",
        goods: &[g(
            "Thuốc tân dược nhập lậu, nhãn mác chữ Trung Quốc, không có số đăng ký lưu hành",
            "thuốc tân dược nhập lậu",
            "hộp",
            (100.0, 5000.0),
            70_000,
            Some("3004.90"),
            Fate::Destroy,
        )],
        imported: true,
        crime: CRIME_188,
        weight: 4,
    },
    Template {
        violation: Vt::Counterfeit,
        commodity: Cg::Milk,
        channels: &[Ch::DomesticMarket, Ch::Warehouse, Ch::ECommerce],
        leads: &["QLTT", "QLTT", "CA", "SYT"],
        title: "Kinh doanh {q} {where}",
        shop: "một đại lý sữa",
        goods: &[
            g(
                "Sữa bột giả mạo nhãn hiệu",
                "sữa bột giả",
                "hộp",
                (50.0, 3000.0),
                350_000,
                Some("0402.21"),
                Fate::Destroy,
            ),
            g(
                "Sữa bột dành cho trẻ em không rõ nguồn gốc xuất xứ",
                "sữa bột trẻ em không rõ nguồn gốc",
                "hộp",
                (50.0, 2000.0),
                280_000,
                Some("1901.10"),
                Fate::Destroy,
            ),
            g(
                "Sữa nước đóng hộp giả mạo nhãn hiệu",
                "sữa nước giả",
                "thùng",
                (10.0, 500.0),
                320_000,
                Some("0401.20"),
                Fate::Destroy,
            ),
        ],
        imported: false,
        crime: "Sản xuất, buôn bán hàng giả là lương thực, thực phẩm, phụ gia thực phẩm (Điều 193 Bộ luật Hình sự)",
        weight: 5,
    },
    Template {
        violation: Vt::IpInfringement,
        commodity: Cg::Cosmetics,
        channels: &[Ch::ECommerce, Ch::ECommerce, Ch::SocialNetwork],
        leads: &["QLTT", "QLTT", "QLTT", "CA"],
        title: "Kinh doanh {q} {where}",
        shop: "một cửa hàng mỹ phẩm",
        goods: &[
            g(
                "Son môi giả mạo nhãn hiệu đang được bảo hộ",
                "son môi giả mạo nhãn hiệu",
                "thỏi",
                (100.0, 5000.0),
                90_000,
                Some("3304.10"),
                Fate::Destroy,
            ),
            g(
                "Kem dưỡng da giả mạo nhãn hiệu đang được bảo hộ",
                "kem dưỡng da giả mạo nhãn hiệu",
                "hộp",
                (100.0, 4000.0),
                150_000,
                Some("3304.99"),
                Fate::Destroy,
            ),
            g(
                "Nước hoa giả mạo nhãn hiệu đang được bảo hộ",
                "nước hoa giả mạo nhãn hiệu",
                "chai",
                (50.0, 2000.0),
                250_000,
                Some("3303.00"),
                Fate::Destroy,
            ),
        ],
        imported: true,
        crime: "Xâm phạm quyền sở hữu công nghiệp (Điều 226 Bộ luật Hình sự)",
        weight: 7,
    },
    Template {
        violation: Vt::TradeFraudOrigin,
        commodity: Cg::Cosmetics,
        channels: &[
            Ch::ECommerce,
            Ch::SocialNetwork,
            Ch::DomesticMarket,
            Ch::PostalCourier,
        ],
        leads: &["QLTT", "SYT", "QLTT"],
        title: "Kinh doanh {q} {where}",
        shop: "một cửa hàng mỹ phẩm",
        goods: &[
            g(
                "Mỹ phẩm không rõ nguồn gốc xuất xứ, không có nhãn phụ tiếng Việt",
                "mỹ phẩm không rõ nguồn gốc",
                "sản phẩm",
                (100.0, 6000.0),
                80_000,
                Some("3304.99"),
                Fate::Destroy,
            ),
            g(
                "Dầu gội, sữa tắm không rõ nguồn gốc xuất xứ",
                "dầu gội, sữa tắm không rõ nguồn gốc",
                "chai",
                (100.0, 3000.0),
                70_000,
                Some("3305.10"),
                Fate::Destroy,
            ),
        ],
        imported: true,
        crime: CRIME_188,
        weight: 5,
    },
    Template {
        violation: Vt::Counterfeit,
        commodity: Cg::FunctionalFood,
        channels: &[Ch::ECommerce, Ch::SocialNetwork, Ch::DomesticMarket],
        leads: &["QLTT", "SYT", "CA"],
        title: "Kinh doanh {q} {where}",
        shop: "một cửa hàng thực phẩm chức năng",
        goods: &[
            g(
                "Thực phẩm bảo vệ sức khỏe giả mạo nhãn hiệu",
                "thực phẩm bảo vệ sức khỏe giả",
                "hộp",
                (50.0, 3000.0),
                250_000,
                Some("2106.90"),
                Fate::Destroy,
            ),
            g(
                "Viên uống hỗ trợ xương khớp không rõ nguồn gốc, quảng cáo sai công dụng",
                "viên uống hỗ trợ xương khớp không rõ nguồn gốc",
                "lọ",
                (50.0, 2000.0),
                180_000,
                Some("2106.90"),
                Fate::Destroy,
            ),
        ],
        imported: true,
        crime: "Sản xuất, buôn bán hàng giả là lương thực, thực phẩm, phụ gia thực phẩm (Điều 193 Bộ luật Hình sự)",
        weight: 5,
    },
    Template {
        violation: Vt::TradeFraudMeasurement,
        commodity: Cg::Petroleum,
        channels: &[Ch::DomesticMarket],
        leads: &["QLTT"],
        title: "Vi phạm quy định về đo lường trong kinh doanh xăng dầu {where}",
        shop: "một cửa hàng xăng dầu",
        goods: &[
            g(
                "Xăng RON 95-III tại cột đo có sai số vượt mức cho phép (tạm niêm phong)",
                "xăng RON 95-III",
                "lít",
                (500.0, 8000.0),
                21_000,
                Some("2710.12"),
                Fate::Return,
            ),
            g(
                "Dầu diesel 0,05S-II tại cột đo có sai số vượt mức cho phép (tạm niêm phong)",
                "dầu diesel 0,05S-II",
                "lít",
                (500.0, 8000.0),
                19_500,
                Some("2710.19"),
                Fate::Return,
            ),
        ],
        imported: false,
        crime: "Lừa dối khách hàng (Điều 198 Bộ luật Hình sự)",
        weight: 4,
    },
    Template {
        violation: Vt::TradeFraudInvoices,
        commodity: Cg::Petroleum,
        channels: &[Ch::InlandTransport, Ch::Warehouse],
        leads: &["QLTT", "CA", "THUE"],
        title: "Vận chuyển, kinh doanh {q} không có hóa đơn, chứng từ {where}",
        shop: "",
        goods: &[
            g(
                "Dầu diesel không có hóa đơn, chứng từ chứng minh nguồn gốc",
                "dầu diesel",
                "lít",
                (2000.0, 30000.0),
                19_500,
                Some("2710.19"),
                Fate::Auction,
            ),
            g(
                "Xăng RON 92 không có hóa đơn, chứng từ chứng minh nguồn gốc",
                "xăng RON 92",
                "lít",
                (1000.0, 15000.0),
                20_000,
                Some("2710.12"),
                Fate::Auction,
            ),
        ],
        imported: false,
        crime: "In, phát hành, mua bán trái phép hóa đơn, chứng từ thu nộp ngân sách nhà nước (Điều 203 Bộ luật Hình sự)",
        weight: 3,
    },
    Template {
        violation: Vt::TradeFraudPriceListing,
        commodity: Cg::Food,
        channels: &[Ch::DomesticMarket],
        leads: &["QLTT"],
        title: "Không niêm yết giá, bán hàng hóa cao hơn giá niêm yết {where}",
        shop: "một cơ sở kinh doanh bánh kẹo, đồ uống",
        goods: &[g(
            "Bánh kẹo, đồ uống các loại không niêm yết giá",
            "bánh kẹo, đồ uống",
            "kg",
            (50.0, 800.0),
            80_000,
            Some("1905.90"),
            Fate::Return,
        )],
        imported: false,
        crime: "",
        weight: 3,
    },
    Template {
        violation: Vt::Counterfeit,
        commodity: Cg::Fertiliser,
        channels: &[Ch::Warehouse, Ch::DomesticMarket],
        leads: &["QLTT", "QLTT", "CA"],
        title: "Kinh doanh {q} {where}",
        shop: "một đại lý vật tư nông nghiệp",
        goods: &[
            g(
                "Phân bón NPK giả, hàm lượng chất dinh dưỡng không đạt so với công bố",
                "phân bón NPK giả",
                "bao",
                (20.0, 1000.0),
                650_000,
                Some("3105.20"),
                Fate::Destroy,
            ),
            g(
                "Phân bón lá không rõ nguồn gốc, nhãn mác chữ nước ngoài",
                "phân bón lá không rõ nguồn gốc",
                "chai",
                (100.0, 2000.0),
                45_000,
                Some("3105.90"),
                Fate::Destroy,
            ),
        ],
        imported: false,
        crime: "Sản xuất, buôn bán hàng giả là thức ăn dùng để chăn nuôi, phân bón, thuốc thú y, thuốc bảo vệ thực vật, giống cây trồng, giống vật nuôi (Điều 195 Bộ luật Hình sự)",
        weight: 4,
    },
    Template {
        violation: Vt::Smuggling,
        commodity: Cg::Pesticide,
        channels: &[Ch::BorderTrail, Ch::Warehouse, Ch::DomesticMarket],
        leads: &["QLTT", "BDBP", "CA"],
        title: "Vận chuyển, kinh doanh {q} {where}",
        shop: "một đại lý vật tư nông nghiệp",
        goods: &[g(
            "Thuốc bảo vệ thực vật nhập lậu, không có trong danh mục được phép sử dụng tại Việt Nam",
            "thuốc bảo vệ thực vật nhập lậu",
            "chai",
            (100.0, 4000.0),
            60_000,
            Some("3808.93"),
            Fate::Destroy,
        )],
        imported: true,
        crime: CRIME_188,
        weight: 3,
    },
    Template {
        violation: Vt::IllegalCrossBorderTransport,
        commodity: Cg::SeedlingsLivestock,
        channels: &[Ch::BorderTrail, Ch::BorderTrail, Ch::InlandTransport],
        leads: &["BDBP", "BDBP", "CA", "QLTT"],
        title: "Vận chuyển trái phép {q} {where}",
        shop: "",
        goods: &[
            g(
                "Lợn giống nhập lậu, chưa qua kiểm dịch",
                "lợn giống chưa qua kiểm dịch",
                "con",
                (10.0, 300.0),
                1_500_000,
                Some("0103.91"),
                Fate::Destroy,
            ),
            g(
                "Gà giống không rõ nguồn gốc, chưa qua kiểm dịch",
                "gà giống chưa qua kiểm dịch",
                "con",
                (200.0, 5000.0),
                15_000,
                Some("0105.11"),
                Fate::Destroy,
            ),
            g(
                "Cây giống ăn quả không rõ nguồn gốc",
                "cây giống ăn quả không rõ nguồn gốc",
                "cây",
                (200.0, 6000.0),
                25_000,
                Some("0602.20"),
                Fate::Destroy,
            ),
        ],
        imported: true,
        crime: CRIME_189,
        weight: 5,
    },
    Template {
        violation: Vt::Other,
        commodity: Cg::ForestProducts,
        channels: &[Ch::InlandTransport, Ch::InlandTransport, Ch::Warehouse],
        leads: &["KIEMLAM", "KIEMLAM", "KIEMLAM", "CA"],
        title: "Vận chuyển {q} {where}",
        shop: "",
        goods: &[
            gd(
                "Gỗ nghiến xẻ hộp không có hồ sơ lâm sản hợp pháp",
                "gỗ nghiến xẻ hộp không có hồ sơ lâm sản hợp pháp",
                "m³",
                (0.5, 12.0),
                25_000_000,
                Some("4407.99"),
                Fate::Auction,
            ),
            gd(
                "Gỗ thông tròn không rõ nguồn gốc",
                "gỗ thông tròn không rõ nguồn gốc",
                "m³",
                (2.0, 30.0),
                3_500_000,
                Some("4403.21"),
                Fate::Auction,
            ),
        ],
        imported: false,
        crime: "Vi phạm quy định về khai thác, bảo vệ rừng và lâm sản (Điều 232 Bộ luật Hình sự)",
        weight: 5,
    },
    Template {
        violation: Vt::TradeFraudOrigin,
        commodity: Cg::Electronics,
        channels: &[
            Ch::BorderGate,
            Ch::BorderGate,
            Ch::Warehouse,
            Ch::PostalCourier,
        ],
        leads: &["HQ", "HQ", "QLTT", "CA"],
        title: "Nhập khẩu, kinh doanh {q} {where}",
        shop: "",
        goods: &[
            g(
                "Điện thoại di động các loại khai sai xuất xứ",
                "điện thoại di động khai sai xuất xứ",
                "chiếc",
                (20.0, 800.0),
                2_500_000,
                Some("8517.13"),
                Fate::Auction,
            ),
            g(
                "Linh kiện máy tính không rõ nguồn gốc",
                "linh kiện máy tính không rõ nguồn gốc",
                "chiếc",
                (100.0, 3000.0),
                350_000,
                Some("8473.30"),
                Fate::Auction,
            ),
            g(
                "Camera giám sát ghi sai xuất xứ Việt Nam",
                "camera giám sát ghi sai xuất xứ",
                "chiếc",
                (50.0, 1500.0),
                600_000,
                Some("8525.89"),
                Fate::Auction,
            ),
        ],
        imported: true,
        crime: CRIME_188,
        weight: 5,
    },
    Template {
        violation: Vt::IpInfringement,
        commodity: Cg::ConsumerGoods,
        channels: &[
            Ch::DomesticMarket,
            Ch::ECommerce,
            Ch::PostalCourier,
            Ch::BorderGate,
        ],
        leads: &["QLTT", "QLTT", "HQ", "CA"],
        title: "Vận chuyển, kinh doanh {q} {where}",
        shop: "một cửa hàng thời trang",
        goods: &[
            g(
                "Giày thể thao giả mạo nhãn hiệu đang được bảo hộ",
                "giày thể thao giả mạo nhãn hiệu",
                "đôi",
                (50.0, 3000.0),
                250_000,
                Some("6404.11"),
                Fate::Destroy,
            ),
            g(
                "Quần áo giả mạo nhãn hiệu đang được bảo hộ",
                "quần áo giả mạo nhãn hiệu",
                "chiếc",
                (100.0, 5000.0),
                120_000,
                Some("6109.10"),
                Fate::Destroy,
            ),
            g(
                "Túi xách giả mạo nhãn hiệu đang được bảo hộ",
                "túi xách giả mạo nhãn hiệu",
                "chiếc",
                (30.0, 1500.0),
                300_000,
                Some("4202.22"),
                Fate::Destroy,
            ),
        ],
        imported: true,
        crime: "Xâm phạm quyền sở hữu công nghiệp (Điều 226 Bộ luật Hình sự)",
        weight: 6,
    },
    Template {
        violation: Vt::TradeFraudOrigin,
        commodity: Cg::ConsumerGoods,
        channels: &[Ch::BorderGate, Ch::Warehouse, Ch::DomesticMarket],
        leads: &["HQ", "QLTT", "QLTT"],
        title: "Vận chuyển, kinh doanh {q} {where}",
        shop: "một cửa hàng đồ gia dụng",
        goods: &[
            g(
                "Đồ chơi trẻ em không rõ nguồn gốc, không có dấu hợp quy",
                "đồ chơi trẻ em không rõ nguồn gốc",
                "chiếc",
                (200.0, 10000.0),
                50_000,
                Some("9503.00"),
                Fate::Destroy,
            ),
            g(
                "Nồi cơm điện, quạt điện ghi sai xuất xứ",
                "đồ gia dụng điện ghi sai xuất xứ",
                "chiếc",
                (50.0, 2000.0),
                450_000,
                Some("8516.60"),
                Fate::Auction,
            ),
            g(
                "Quần áo may sẵn không có nhãn hàng hóa",
                "quần áo may sẵn không có nhãn hàng hóa",
                "chiếc",
                (200.0, 8000.0),
                80_000,
                Some("6205.20"),
                Fate::Auction,
            ),
        ],
        imported: true,
        crime: CRIME_188,
        weight: 5,
    },
    Template {
        violation: Vt::FoodSafety,
        commodity: Cg::Food,
        channels: &[Ch::DomesticMarket, Ch::DomesticMarket, Ch::Warehouse],
        leads: &["SYT", "SYT", "QLTT", "CA"],
        title: "Kinh doanh {q} {where}",
        shop: "một cơ sở kinh doanh thực phẩm",
        goods: &[
            g(
                "Bánh kẹo, thực phẩm đã quá hạn sử dụng",
                "thực phẩm quá hạn sử dụng",
                "kg",
                (30.0, 1500.0),
                60_000,
                Some("1905.90"),
                Fate::Destroy,
            ),
            g(
                "Thịt lợn không qua kiểm dịch thú y",
                "thịt lợn không qua kiểm dịch",
                "kg",
                (50.0, 1200.0),
                90_000,
                Some("0203.19"),
                Fate::Destroy,
            ),
            g(
                "Nội tạng động vật đã bốc mùi, không bảo đảm an toàn thực phẩm",
                "nội tạng động vật không bảo đảm an toàn thực phẩm",
                "kg",
                (50.0, 1000.0),
                40_000,
                Some("0206.49"),
                Fate::Destroy,
            ),
        ],
        imported: false,
        crime: "Vi phạm quy định về an toàn thực phẩm (Điều 317 Bộ luật Hình sự)",
        weight: 6,
    },
    Template {
        violation: Vt::Smuggling,
        commodity: Cg::Food,
        channels: &[Ch::BorderTrail, Ch::InlandTransport, Ch::BorderGate],
        leads: &["BDBP", "HQ", "CA", "QLTT"],
        title: "Vận chuyển {q} {where}",
        shop: "",
        goods: &[
            g(
                "Hạt dẻ nhập lậu",
                "hạt dẻ nhập lậu",
                "kg",
                (300.0, 8000.0),
                50_000,
                Some("0802.41"),
                Fate::Auction,
            ),
            g(
                "Trái cây tươi nhập lậu (táo, lê)",
                "trái cây tươi nhập lậu",
                "kg",
                (500.0, 15000.0),
                25_000,
                Some("0808.10"),
                Fate::Auction,
            ),
            g(
                "Rượu ngoại nhập lậu các loại",
                "rượu ngoại nhập lậu",
                "chai",
                (50.0, 2000.0),
                400_000,
                Some("2208.30"),
                Fate::Auction,
            ),
            g(
                "Bánh kẹo nhập lậu, bao bì in chữ nước ngoài",
                "bánh kẹo nhập lậu",
                "kg",
                (100.0, 3000.0),
                70_000,
                Some("1905.90"),
                Fate::Destroy,
            ),
        ],
        imported: true,
        crime: CRIME_188,
        weight: 7,
    },
    Template {
        violation: Vt::TaxEvasion,
        commodity: Cg::ConsumerGoods,
        channels: &[Ch::DomesticMarket, Ch::ECommerce, Ch::Warehouse],
        leads: &["THUE", "THUE", "CA"],
        title: "Không kê khai, trốn thuế trong hoạt động kinh doanh {where}",
        shop: "một hộ kinh doanh",
        goods: &[g(
            "Hàng hóa không có hóa đơn, chứng từ chứng minh nguồn gốc",
            "hàng hóa không có hóa đơn, chứng từ",
            "kiện",
            (5.0, 200.0),
            3_000_000,
            None,
            Fate::Auction,
        )],
        imported: false,
        crime: "Trốn thuế (Điều 200 Bộ luật Hình sự)",
        weight: 4,
    },
    Template {
        violation: Vt::TradeFraudInvoices,
        commodity: Cg::Other,
        channels: &[Ch::Warehouse, Ch::DomesticMarket],
        leads: &["THUE", "CA"],
        title: "Mua bán trái phép hóa đơn giá trị gia tăng để hợp thức hóa hàng hóa nhập lậu {where}",
        shop: "một doanh nghiệp thương mại",
        goods: &[
            g(
                "Vải, quần áo may mặc không có hóa đơn hợp pháp",
                "hàng may mặc không có hóa đơn hợp pháp",
                "kg",
                (500.0, 10000.0),
                120_000,
                Some("6307.90"),
                Fate::Auction,
            ),
            g(
                "Hóa đơn giá trị gia tăng ghi khống (liên 2)",
                "hóa đơn giá trị gia tăng ghi khống",
                "số",
                (20.0, 500.0),
                0,
                None,
                Fate::Confiscate,
            ),
        ],
        imported: false,
        crime: "In, phát hành, mua bán trái phép hóa đơn, chứng từ thu nộp ngân sách nhà nước (Điều 203 Bộ luật Hình sự)",
        weight: 3,
    },
    Template {
        violation: Vt::IllegalCrossBorderTransport,
        commodity: Cg::ForeignCurrency,
        channels: &[Ch::BorderGate, Ch::BorderGate, Ch::BorderTrail],
        leads: &["HQ", "BDBP", "CA"],
        title: "Vận chuyển trái phép {q} tiền mặt {where}",
        shop: "",
        goods: &[g(
            "Ngoại tệ tiền mặt (Nhân dân tệ) không khai báo hải quan",
            "",
            "nhân dân tệ",
            (20000.0, 600000.0),
            3_500,
            None,
            Fate::Confiscate,
        )],
        imported: false,
        crime: CRIME_189,
        weight: 3,
    },
    Template {
        violation: Vt::Smuggling,
        commodity: Cg::Gold,
        channels: &[Ch::BorderGate, Ch::InlandTransport],
        leads: &["HQ", "CA"],
        title: "Vận chuyển {q} {where}",
        shop: "",
        goods: &[g(
            "Vàng trang sức không rõ nguồn gốc, không có hóa đơn",
            "vàng trang sức không rõ nguồn gốc",
            "chỉ",
            (10.0, 300.0),
            15_000_000,
            Some("7113.19"),
            Fate::Auction,
        )],
        imported: true,
        crime: CRIME_188,
        weight: 2,
    },
    Template {
        violation: Vt::Other,
        commodity: Cg::Minerals,
        channels: &[Ch::InlandTransport],
        leads: &["CA"],
        title: "Vận chuyển {q} {where}",
        shop: "",
        goods: &[
            gd(
                "Quặng bauxit khai thác trái phép",
                "quặng bauxit không rõ nguồn gốc",
                "tấn",
                (5.0, 80.0),
                800_000,
                Some("2606.00"),
                Fate::Auction,
            ),
            gd(
                "Cát, sỏi khai thác trái phép",
                "cát, sỏi khai thác trái phép",
                "m³",
                (10.0, 200.0),
                250_000,
                Some("2505.10"),
                Fate::Auction,
            ),
        ],
        imported: false,
        crime: "Vi phạm quy định về nghiên cứu, thăm dò, khai thác tài nguyên (Điều 227 Bộ luật Hình sự)",
        weight: 2,
    },
    Template {
        violation: Vt::TradeFraudOrigin,
        commodity: Cg::ConstructionMaterials,
        channels: &[Ch::BorderGate, Ch::Warehouse, Ch::DomesticMarket],
        leads: &["HQ", "QLTT"],
        title: "Vận chuyển, kinh doanh {q} {where}",
        shop: "một cửa hàng vật liệu xây dựng",
        goods: &[
            gd(
                "Thép xây dựng ghi sai xuất xứ",
                "thép xây dựng ghi sai xuất xứ",
                "tấn",
                (5.0, 150.0),
                15_000_000,
                Some("7214.20"),
                Fate::Auction,
            ),
            g(
                "Gạch ốp lát không rõ nguồn gốc, không có dấu hợp quy",
                "gạch ốp lát không rõ nguồn gốc",
                "m²",
                (200.0, 5000.0),
                150_000,
                Some("6907.21"),
                Fate::Auction,
            ),
        ],
        imported: true,
        crime: CRIME_188,
        weight: 3,
    },
    Template {
        violation: Vt::Smuggling,
        commodity: Cg::AgriculturalSupplies,
        channels: &[Ch::BorderTrail, Ch::InlandTransport, Ch::DomesticMarket],
        leads: &["BDBP", "QLTT", "CA"],
        title: "Vận chuyển, kinh doanh {q} {where}",
        shop: "một đại lý vật tư nông nghiệp",
        goods: &[
            g(
                "Thức ăn chăn nuôi nhập lậu",
                "thức ăn chăn nuôi nhập lậu",
                "bao",
                (20.0, 800.0),
                380_000,
                Some("2309.90"),
                Fate::Auction,
            ),
            g(
                "Thuốc thú y nhập lậu, nhãn mác chữ nước ngoài",
                "thuốc thú y nhập lậu",
                "lọ",
                (100.0, 3000.0),
                40_000,
                Some("3004.90"),
                Fate::Destroy,
            ),
        ],
        imported: true,
        crime: CRIME_188,
        weight: 3,
    },
];

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
        for t in TEMPLATES {
            assert!(is_nfc(t.title), "{}", t.title);
            assert!(is_nfc(t.shop));
            assert!(!t.goods.is_empty() && !t.channels.is_empty() && !t.leads.is_empty());
            assert!(t.title.contains("{where}"), "{}", t.title);
            for g in t.goods {
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
