//! The controlled vocabularies of DOMAIN.md. Each is stored as a snake_case string in the
//! database and shown as a GraphQL enum (SCREAMING_CASE on the wire, see `graphql/enums.rs`),
//! so a new value is a code change plus (at most) a data migration, never a schema change.

/// One term of a vocabulary as the API shows it: the value, its Rust name (the GraphQL layer
/// spells it in SCREAMING_CASE) and its doc comment lines (the description clients see).
pub struct Term<T: 'static> {
    pub value: T,
    pub name: &'static str,
    pub doc: &'static [&'static str],
}

/// A closed list of terms. The GraphQL layer turns every vocabulary into an enum type from
/// this table (`graphql/enums.rs`), so the domain names its terms once and knows nothing of
/// GraphQL.
pub trait Vocabulary: Copy + Eq + Send + Sync + 'static {
    const NAME: &'static str;
    const DOC: &'static [&'static str];
    const TERMS: &'static [Term<Self>];
}

/// A vocabulary stored as a string: `Name + #[extra attributes] { Variant = "stored", … }`.
/// Doc comments become the GraphQL descriptions.
#[macro_export]
macro_rules! db_enum {
    ($(#[doc = $doc:literal])* $name:ident $(+ #[$m:meta])* {
        $($(#[doc = $vdoc:literal])* $variant:ident = $s:literal),+ $(,)?
    }) => {
        $(#[doc = $doc])*
        $(#[$m])*
        #[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[doc = $vdoc])* $variant),+ }

        impl $crate::domain::vocab::Vocabulary for $name {
            const NAME: &'static str = stringify!($name);
            const DOC: &'static [&'static str] = &[$($doc),*];
            const TERMS: &'static [$crate::domain::vocab::Term<Self>] = &[$(
                $crate::domain::vocab::Term {
                    value: $name::$variant,
                    name: stringify!($variant),
                    doc: &[$($vdoc),*],
                }
            ),+];
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value stored in the database.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some($name::$variant),)+ _ => None }
            }

            /// Reads a stored value; an unknown one is corrupt data, hence `INTERNAL`.
            pub fn from_db(s: &str) -> $crate::error::AppResult<Self> {
                Self::parse(s).ok_or_else(|| $crate::error::AppError::internal(anyhow::anyhow!(
                    concat!("unknown ", stringify!($name), " value in database: {}"), s)))
            }
        }
    };
}

db_enum!(
    /// Kind of agency (loại cơ quan).
    AgencyKind {
        Police = "police", BorderGuard = "border_guard", Customs = "customs",
        MarketManagement = "market_management", Tax = "tax", Health = "health",
        IndustryTrade = "industry_trade", ScienceTech = "science_tech",
        AgricultureEnv = "agriculture_env", Culture = "culture", Finance = "finance",
        EconomicZone = "economic_zone", InformationComms = "information_comms",
        Justice = "justice", Military = "military", Press = "press",
        FatherlandFront = "fatherland_front", Commune = "commune",
        StandingOffice = "standing_office", ProvincialLeadership = "provincial_leadership",
        Team389 = "team_389", Other = "other",
    }
);

db_enum!(
    /// Administrative level of an agency.
    AgencyLevel { National = "national", Provincial = "provincial", Commune = "commune" }
);

db_enum!(
    /// xã, phường or đặc khu.
    CommuneKind { Commune = "commune", Ward = "ward", SpecialZone = "special_zone" }
);

db_enum!(
    /// cửa khẩu quốc tế / chính / phụ, đường mòn, lối mở.
    BorderGateKind {
        InternationalGate = "international_gate", MainGate = "main_gate",
        SecondaryGate = "secondary_gate", Trail = "trail", Opening = "opening",
    }
);

db_enum!(
    /// Type of directing document, from the symbol's type abbreviation.
    DirectiveType {
        /// CT — chỉ thị
        Directive = "ct",
        /// KH — kế hoạch
        Plan = "kh",
        /// TB — thông báo (kết luận)
        Notice = "tb",
        /// NQ — nghị quyết
        Resolution = "nq",
        /// CĐ — công điện
        Dispatch = "cd",
        /// QĐ — quyết định
        Decision = "qd",
        /// BC — báo cáo
        Report = "bc",
        /// công văn: no type abbreviation in its symbol
        OfficialLetter = "cv",
    }
);

db_enum!(
    TaskStatus { Open = "open", InProgress = "in_progress", Done = "done", Cancelled = "cancelled" }
);

db_enum!(
    /// Violation type (loại vi phạm).
    ViolationType {
        Smuggling = "smuggling",
        IllegalCrossBorderTransport = "illegal_cross_border_transport",
        TradeFraudOrigin = "trade_fraud_origin",
        TradeFraudInvoices = "trade_fraud_invoices",
        TaxEvasion = "tax_evasion",
        TradeFraudMeasurement = "trade_fraud_measurement",
        TradeFraudPriceListing = "trade_fraud_price_listing",
        Counterfeit = "counterfeit",
        IpInfringement = "ip_infringement",
        ProhibitedGoods = "prohibited_goods",
        FoodSafety = "food_safety",
        Other = "other",
    }
);

db_enum!(
    /// The three official reporting groups every figure is reported in.
    OfficialGroup {
        /// (1) hàng cấm, hàng nhập lậu, vận chuyển trái phép qua biên giới
        SmugglingAndProhibited = "smuggling_and_prohibited",
        /// (2) gian lận thương mại, gian lận thuế
        TradeAndTaxFraud = "trade_and_tax_fraud",
        /// (3) hàng giả, xâm phạm quyền sở hữu trí tuệ
        CounterfeitAndIp = "counterfeit_and_ip",
    }
);

impl ViolationType {
    /// The official reporting group a violation type counts under. Food safety and "other"
    /// are reported with trade fraud, as the provincial reports do.
    pub fn official_group(self) -> OfficialGroup {
        use ViolationType::*;
        match self {
            Smuggling | IllegalCrossBorderTransport | ProhibitedGoods => {
                OfficialGroup::SmugglingAndProhibited
            }
            Counterfeit | IpInfringement => OfficialGroup::CounterfeitAndIp,
            TradeFraudOrigin
            | TradeFraudInvoices
            | TaxEvasion
            | TradeFraudMeasurement
            | TradeFraudPriceListing
            | FoodSafety
            | Other => OfficialGroup::TradeAndTaxFraud,
        }
    }
}

db_enum!(
    /// Commodity group (nhóm mặt hàng).
    CommodityGroup {
        Medicine = "medicine", Milk = "milk", Food = "food", FunctionalFood = "functional_food",
        Cosmetics = "cosmetics", FrozenFood = "frozen_food", Petroleum = "petroleum",
        Gold = "gold", ForeignCurrency = "foreign_currency", Sugar = "sugar",
        Fertiliser = "fertiliser", Pesticide = "pesticide",
        AgriculturalSupplies = "agricultural_supplies", SeedlingsLivestock = "seedlings_livestock",
        Cigarettes = "cigarettes", Electronics = "electronics", ConsumerGoods = "consumer_goods",
        ConstructionMaterials = "construction_materials", ForestProducts = "forest_products",
        Minerals = "minerals", Other = "other",
    }
);

db_enum!(
    /// Where the violation was detected (địa bàn / phương thức).
    Channel {
        BorderTrail = "border_trail", BorderGate = "border_gate",
        InlandTransport = "inland_transport", DomesticMarket = "domestic_market",
        Warehouse = "warehouse", ECommerce = "e_commerce", SocialNetwork = "social_network",
        PostalCourier = "postal_courier",
    }
);

db_enum!(
    Platform {
        Shopee = "shopee", Lazada = "lazada", Tiki = "tiki", TiktokShop = "tiktok_shop",
        Facebook = "facebook", Zalo = "zalo", Other = "other",
    }
);

db_enum!(
    /// Case lifecycle: detected → verifying → handled administratively | transferred to the
    /// investigating police → prosecuted → closed; verifying → dropped.
    CaseStatus {
        Detected = "detected", Verifying = "verifying",
        HandledAdministratively = "handled_administratively",
        TransferredToPolice = "transferred_to_police", Prosecuted = "prosecuted",
        Closed = "closed", Dropped = "dropped",
    }
);

db_enum!(
    SubjectKind { Person = "person", Organisation = "organisation" }
);

db_enum!(
    SubjectRole {
        Organiser = "organiser", Carrier = "carrier", Owner = "owner", Seller = "seller",
        Buyer = "buyer", Other = "other",
    }
);

db_enum!(
    /// What became of seized goods.
    DisposalStatus {
        Held = "held", Confiscated = "confiscated", Destroyed = "destroyed",
        Auctioned = "auctioned", Returned = "returned",
    }
);

db_enum!(
    TipChannel {
        Hotline = "hotline", Email = "email", WalkIn = "walk_in", Press = "press",
        OnlineForm = "online_form",
    }
);

db_enum!(
    TipStatus {
        New = "new", Forwarded = "forwarded", Verifying = "verifying",
        LinkedToCase = "linked_to_case", Dismissed = "dismissed",
    }
);

db_enum!(
    /// What a watch-list entry watches (danh sách theo dõi).
    WatchKind {
        /// A subject's ID number (police compartment).
        IdNumber = "id_number",
        /// A tax code: a subject's (police compartment) or an importer's or exporter's on a
        /// customs record (customs compartment).
        TaxCode = "tax_code",
        /// An HS code of a seizure or a customs record (customs compartment).
        HsCode = "hs_code",
        /// A seized vehicle's plate (core data).
        VehiclePlate = "vehicle_plate",
        /// A commune, by code: the cases detected there.
        Commune = "commune",
        /// A commodity group: the cases of that group.
        CommodityGroup = "commodity_group",
    }
);

db_enum!(
    PublicationStatus {
        Draft = "draft", Approved = "approved", Rejected = "rejected", Withdrawn = "withdrawn",
    }
);

db_enum!(
    /// Kinds of reporting period, all cut on the 15th-to-14th rule.
    PeriodKind {
        Month = "month", Quarter = "quarter", SixMonths = "six_months",
        NineMonths = "nine_months", Year = "year",
    }
);

/// Facts of a case that a publication may declare public. Only core facts are listed: no
/// police, customs or informant datum can ever be made public through a publication.
pub const PUBLIC_FACTS: &[&str] = &[
    "violation_type",
    "commodity_group",
    "detected_on",
    "commune",
    "lead_agency",
    "goods_summary",
    "fine_amount",
    "goods_value",
    "budget_collected",
    "status",
];

/// "xã Đồng Đăng", "phường Đông Kinh": how documents name a commune mid-sentence.
pub fn commune_display(kind: &str, name: &str) -> String {
    let prefix = match CommuneKind::parse(kind) {
        Some(CommuneKind::Ward) => "phường",
        Some(CommuneKind::SpecialZone) => "đặc khu",
        _ => "xã",
    };
    format!("{prefix} {name}")
}
