//! The domain's vocabularies as GraphQL enums.
//!
//! The domain lists each vocabulary once, with its doc comments, as a
//! [`Vocabulary`](crate::domain::vocab::Vocabulary) table and knows nothing of GraphQL; this
//! module gives every such table the three traits async-graphql's `#[derive(Enum)]` would
//! (`EnumType`, `InputType`, `OutputType`), with the same names (SCREAMING_CASE) and
//! descriptions, so `schema.graphql` does not change. Written once here rather than deriving
//! on the domain types, because a derive there would pull async-graphql into the domain.

use std::borrow::Cow;
use std::sync::OnceLock;

use async_graphql::Value;
use async_graphql::registry::{MetaEnumValue, MetaType, MetaTypeId, Registry};
use async_graphql::resolver_utils::EnumItem;

use crate::domain::access::Role;
use crate::domain::report_figures::ReportField;
use crate::domain::vocab::*;
use crate::graphql::guards::MetaVisibleFn;
use crate::service::statistics::Dimension;

/// `InProgress` → `IN_PROGRESS`, `Team389` → `TEAM_389`, `ECommerce` → `E_COMMERCE`: the
/// rename rule of the derive (a word starts at a capital after a small letter or a digit, at a
/// capital followed by a small letter, and at the first digit after a letter).
fn screaming_case(rust: &str) -> String {
    let chars: Vec<char> = rust.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if i > 0 {
            let p = chars[i - 1];
            let next_small = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            let word_starts = (c.is_uppercase()
                && (p.is_lowercase() || p.is_ascii_digit() || (p.is_uppercase() && next_small)))
                || (c.is_ascii_digit() && p.is_alphabetic());
            if word_starts {
                out.push('_');
            }
        }
        out.extend(c.to_uppercase());
    }
    out
}

/// Doc comment lines as the derive makes a description: each line trimmed, joined, trimmed.
fn description(lines: &[&str]) -> Option<String> {
    let joined = lines
        .iter()
        .map(|l| l.trim())
        .collect::<Vec<_>>()
        .join("\n");
    let joined = joined.trim();
    (!joined.is_empty()).then(|| joined.to_string())
}

/// The items of a vocabulary, made once per type: async-graphql wants `&'static` names, so
/// each name is leaked once (a few hundred bytes for the whole process).
fn items<T: Vocabulary>(cell: &'static OnceLock<Vec<EnumItem<T>>>) -> &'static [EnumItem<T>] {
    cell.get_or_init(|| {
        T::TERMS
            .iter()
            .map(|t| EnumItem {
                name: Box::leak(screaming_case(t.name).into_boxed_str()),
                value: t.value,
            })
            .collect()
    })
}

/// Registers the enum; `visible` hides it from roles that may not see it (as the derive's
/// `visible` does), and `values` each of its values from roles that may not use it.
fn register<T: Vocabulary + async_graphql::InputType>(
    registry: &mut Registry,
    visible: Option<MetaVisibleFn>,
    values: Option<fn(T) -> Option<MetaVisibleFn>>,
) -> String {
    registry.create_input_type::<T, _>(MetaTypeId::Enum, |_| MetaType::Enum {
        name: T::NAME.to_string(),
        description: description(T::DOC),
        enum_values: T::TERMS
            .iter()
            .map(|t| {
                let name = screaming_case(t.name);
                let value = MetaEnumValue {
                    name: name.clone(),
                    description: description(t.doc),
                    deprecation: Default::default(),
                    visible: values.and_then(|f| f(t.value)),
                    inaccessible: false,
                    tags: vec![],
                    directive_invocations: vec![],
                };
                (name, value)
            })
            .collect(),
        visible,
        inaccessible: false,
        tags: vec![],
        rust_typename: Some(std::any::type_name::<T>()),
        directive_invocations: vec![],
        requires_scopes: vec![],
    })
}

/// The `visible` function of an enum, if it names one.
macro_rules! visible {
    () => {
        None
    };
    ($visible:path) => {
        Some($visible as MetaVisibleFn)
    };
}

/// The `visible` function of each value of an enum, if it names one.
macro_rules! values {
    () => {
        None
    };
    ($values:path) => {
        Some($values as fn(_) -> Option<MetaVisibleFn>)
    };
}

macro_rules! graphql_enums {
    ($($t:ty $([visible = $visible:path])? $([values = $values:path])?),+ $(,)?) => {$(
        impl async_graphql::resolver_utils::EnumType for $t {
            fn items() -> &'static [EnumItem<$t>] {
                static ITEMS: OnceLock<Vec<EnumItem<$t>>> = OnceLock::new();
                items(&ITEMS)
            }
        }

        impl async_graphql::InputType for $t {
            type RawValueType = Self;
            fn type_name() -> Cow<'static, str> {
                Cow::Borrowed(<$t as Vocabulary>::NAME)
            }
            fn create_type_info(registry: &mut Registry) -> String {
                register::<$t>(registry, visible!($($visible)?), values!($($values)?))
            }
            fn parse(value: Option<Value>) -> async_graphql::InputValueResult<Self> {
                async_graphql::resolver_utils::parse_enum(value.unwrap_or_default())
            }
            fn to_value(&self) -> Value {
                async_graphql::resolver_utils::enum_value(*self)
            }
            fn as_raw_value(&self) -> Option<&Self::RawValueType> {
                Some(self)
            }
        }

        impl async_graphql::OutputType for $t {
            fn type_name() -> Cow<'static, str> {
                Cow::Borrowed(<$t as Vocabulary>::NAME)
            }
            fn create_type_info(registry: &mut Registry) -> String {
                register::<$t>(registry, visible!($($visible)?), values!($($values)?))
            }
            async fn resolve(
                &self,
                _: &async_graphql::ContextSelectionSet<'_>,
                _: &async_graphql::Positioned<async_graphql::parser::types::Field>,
            ) -> async_graphql::ServerResult<Value> {
                Ok(async_graphql::resolver_utils::enum_value(*self))
            }
        }

        impl From<$t> for Value {
            fn from(value: $t) -> Value {
                async_graphql::resolver_utils::enum_value(value)
            }
        }
    )+};
}

graphql_enums!(
    AgencyKind,
    AgencyLevel,
    CommuneKind,
    BorderGateKind,
    DirectiveType,
    TaskStatus,
    ViolationType,
    OfficialGroup,
    CommodityGroup,
    Channel,
    Platform,
    CaseStatus,
    SubjectKind,
    SubjectRole,
    DisposalStatus,
    TipChannel,
    TipStatus,
    PublicationStatus,
    WatchKind[values = crate::graphql::guards::watch_kind_visible],
    PeriodKind,
    Role,
    Dimension[values = crate::graphql::guards::dimension_visible],
    ReportField[visible = crate::graphql::guards::reports_visible],
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_derive_rule() {
        assert_eq!(screaming_case("InProgress"), "IN_PROGRESS");
        assert_eq!(screaming_case("Team389"), "TEAM_389");
        assert_eq!(screaming_case("ECommerce"), "E_COMMERCE");
        assert_eq!(screaming_case("Admin"), "ADMIN");
    }
}
