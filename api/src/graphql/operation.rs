//! The name of the operation a request runs, as its parsed document says, for the metrics and
//! the access log ([`crate::telemetry::metrics::operation_label`] bounds it). Taken from the
//! document, never from the request's `operationName` as sent: that field only chooses among
//! the document's operations.

use std::sync::{Arc, OnceLock};

use async_graphql::Positioned;
use async_graphql::extensions::ExtensionContext;
use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationDefinition};

/// Where the handler finds the label once the document is parsed (in the request's data).
#[derive(Debug, Default)]
pub struct OperationSlot {
    /// The `operationName` the client sent, to choose among the document's operations.
    pub requested: Option<String>,
    /// The document is a registered (trusted) one: its name always keeps its label.
    pub trusted: bool,
    label: OnceLock<String>,
}

impl OperationSlot {
    pub fn new(requested: Option<String>, trusted: bool) -> Self {
        OperationSlot {
            requested,
            trusted,
            label: OnceLock::new(),
        }
    }

    /// The bounded label, or `unparsed` when the document never parsed.
    pub fn label(&self) -> &str {
        self.label
            .get()
            .map(String::as_str)
            .unwrap_or(crate::telemetry::metrics::UNPARSED)
    }
}

/// The operation of `doc` a request runs, as async-graphql picks it — the one named, else the
/// only one — with its name (`None` for an unnamed one); `None` when the request does not
/// choose one (the executor refuses it). The one rule for the label here, the input checks
/// ([`crate::graphql::inputs`]) and the response's key order ([`crate::graphql::spec`]).
pub fn chosen<'a>(
    doc: &'a ExecutableDocument,
    requested: Option<&str>,
) -> Option<(Option<&'a str>, &'a Positioned<OperationDefinition>)> {
    match &doc.operations {
        DocumentOperations::Single(op) => Some((None, op)),
        DocumentOperations::Multiple(ops) => match requested {
            Some(r) => ops.get_key_value(r).map(|(k, op)| (Some(k.as_str()), op)),
            None if ops.len() == 1 => ops.iter().next().map(|(k, op)| (Some(k.as_str()), op)),
            None => None,
        },
    }
}

/// Sets the request's label from its parsed document. The schema's
/// [`Pipeline`](crate::graphql::pipeline::Pipeline) calls it as soon as the document parses,
/// whatever a limit checked after parsing decides.
pub fn label(ctx: &ExtensionContext<'_>, doc: &ExecutableDocument) {
    if let Some(slot) = ctx.data_opt::<Arc<OperationSlot>>() {
        let label = match chosen(doc, slot.requested.as_deref()) {
            Some((name, _)) => crate::telemetry::metrics::operation_label(name, slot.trusted),
            // Not a choice the executor accepts: one label for all such requests.
            None => crate::telemetry::metrics::OTHER.to_string(),
        };
        let _ = slot.label.set(label);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name<'a>(doc: &'a ExecutableDocument, requested: Option<&str>) -> Option<Option<&'a str>> {
        chosen(doc, requested).map(|(name, _)| name)
    }

    #[test]
    fn the_document_names_the_operation() {
        let parse = |q| async_graphql::parser::parse_query(q).unwrap();
        let one = parse("query CaseList { __typename }");
        assert_eq!(name(&one, None), Some(Some("CaseList")));
        // The requested name chooses, it does not name: one the document lacks chooses nothing.
        assert_eq!(name(&one, Some("Invented")), None);
        let two = parse("query A { __typename } query B { __typename }");
        assert_eq!(name(&two, Some("B")), Some(Some("B")));
        assert_eq!(name(&two, None), None);
        assert_eq!(name(&parse("{ __typename }"), Some("X")), Some(None));
    }
}
