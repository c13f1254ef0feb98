//! The schema's one async-graphql extension: the request-level checks and the per-field shape
//! of responses, in the order they must run.
//!
//! async-graphql runs the `resolve` hook of *every* registered extension around *every* field
//! — a boxed future per extension per field, and a registry look-up per field, even for an
//! extension that only checks the request once. With five extensions a page of 50 cases paid
//! that five times over for each of its ~1,250 fields. So the checks are plain functions of
//! their modules, and this one extension calls them:
//!
//! - before parsing: the document's bounds ([`limits`]), then the fields its role does not
//!   see ([`visibility`]);
//! - once parsed: the operation's label ([`operation`]) and the document for key order
//!   ([`spec`]);
//! - after validation: the cost charged to the caller ([`cost`]), then the unseen fields
//!   reported with validation's own errors ([`visibility`]);
//! - around execution and each field: the response as the spec says ([`spec`]).

use std::sync::{Arc, OnceLock};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextExecute, NextParseQuery, NextPrepareRequest,
    NextResolve, NextValidation, ResolveInfo,
};
use async_graphql::parser::types::ExecutableDocument;
use async_graphql::{
    Request, Response, ServerError, ServerResult, ValidationResult, Value, Variables,
};

use crate::graphql::limits::DepthLimit;
use crate::graphql::spec::SpecResponseExt;
use crate::graphql::visibility::{HiddenFields, RoleViews};
use crate::graphql::{cost, operation};

/// Registers [`PipelineExt`] per request.
pub struct Pipeline {
    pub limits: DepthLimit,
    /// Each role's view of the schema, set once the schema is built.
    pub views: Arc<OnceLock<RoleViews>>,
}

impl ExtensionFactory for Pipeline {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(PipelineExt {
            limits: self.limits,
            hidden: HiddenFields::new(self.views.clone()),
            spec: SpecResponseExt::default(),
        })
    }
}

/// One per request.
pub struct PipelineExt {
    limits: DepthLimit,
    hidden: HiddenFields,
    spec: SpecResponseExt,
}

#[async_trait::async_trait]
impl Extension for PipelineExt {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        self.limits.check(&mut request)?;
        self.hidden.find(ctx, &mut request);
        next.run(ctx, request).await
    }

    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let doc = next.run(ctx, query, variables).await?;
        operation::label(ctx, &doc);
        self.spec.keep(&doc);
        Ok(doc)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let result = next.run(ctx).await.and_then(|r| cost::charge(ctx, r));
        self.hidden.merge(result)
    }

    async fn execute(
        &self,
        ctx: &ExtensionContext<'_>,
        operation_name: Option<&str>,
        next: NextExecute<'_>,
    ) -> Response {
        self.spec.execute(ctx, operation_name, next).await
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        self.spec.resolve(ctx, info, next).await
    }
}
