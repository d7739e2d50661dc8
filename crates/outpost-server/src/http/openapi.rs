//! The OpenAPI document: a root part (title, the error schema) merged with the part of
//! each route family a server offers, then the modifiers that document what every
//! route shares (bearer auth, error responses).

use crate::apis::Apis;
use crate::http::{families, routes};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// Documents the error responses every route can give, so each operation lists them
/// without repeating them in every annotation.
struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{
            Ref, RefOr, ResponseBuilder, content::ContentBuilder, header::HeaderBuilder,
        };
        let error = |desc: &str| {
            ResponseBuilder::new().description(desc).content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
        };
        for (path, item) in doc.paths.paths.iter_mut() {
            let public = matches!(
                path.as_str(),
                "/auth/v1/login" | "/openapi.json" | "/healthz"
            );
            let ops = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in ops.into_iter().flatten() {
                let r = &mut op.responses.responses;
                if !public || path == "/auth/v1/login" {
                    r.entry("400".into()).or_insert_with(|| {
                        RefOr::T(error("Malformed JSON, unknown field or parameter, or an id that is not a UUID").build())
                    });
                    r.entry("422".into()).or_insert_with(|| {
                        RefOr::T(error("A value of the wrong type or out of range").build())
                    });
                    r.entry("429".into()).or_insert_with(|| {
                        RefOr::T(
                            error("Rate limited; retry after the seconds in Retry-After")
                                .header(
                                    "Retry-After",
                                    HeaderBuilder::new()
                                        .schema(utoipa::openapi::schema::Object::with_type(
                                            utoipa::openapi::schema::Type::Integer,
                                        ))
                                        .build(),
                                )
                                .build(),
                        )
                    });
                }
                if !public {
                    r.entry("401".into()).or_insert_with(|| {
                        RefOr::T(error("Missing, unknown, revoked or expired token").build())
                    });
                    r.entry("403".into()).or_insert_with(|| {
                        RefOr::T(error("Role, scope or tenant does not allow this").build())
                    });
                }
                if op.request_body.is_some() {
                    r.entry("413".into())
                        .or_insert_with(|| RefOr::T(error("The body exceeds 1 MiB").build()));
                }
                r.entry("500".into()).or_insert_with(|| {
                    RefOr::T(error("Server failure (details only in the server log)").build())
                });
            }
        }
    }
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("Token from POST /auth/v1/login, or an API key"))
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Outpost server API",
        description = "Helpdesk seed APIs (000 support tickets, 003 messages), the native sync protocol and authentication. Every error body is `ErrorBody` with a stable `code`. Request bodies are limited to 1 MiB (413 payload_too_large); list `limit` values above their documented maximum are refused with 422."
    ),
    components(schemas(outpost_domain::error::ErrorBody, outpost_domain::ErrorCode))
)]
struct RootApi;

/// The document of a server offering `apis`: the families it serves and nothing else.
pub fn document(apis: Apis) -> utoipa::openapi::OpenApi {
    let mut doc = RootApi::openapi();
    doc.merge(routes::meta::MetaApi::openapi());
    for family in families(apis) {
        doc.merge((family.openapi)());
    }
    BearerAuth.modify(&mut doc);
    CommonErrors.modify(&mut doc);
    doc
}

/// [`document`] pretty-printed, as served at `/openapi.json`.
pub fn document_json(apis: Apis) -> String {
    let mut s = document(apis)
        .to_pretty_json()
        .unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}
