//! The OpenAPI document: a root part (title, the error schema) merged with the part of
//! each route family a server offers, then the modifiers that document what every
//! route shares (bearer auth, error responses).

use crate::apis::Apis;
use crate::http::{ErrorFormat, families, routes};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// Documents the error responses every route of a family can give, in the family's
/// error format, so each operation lists them without repeating them in every
/// annotation.
struct CommonErrors(ErrorFormat);

impl Modify for CommonErrors {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{
            Ref, RefOr, ResponseBuilder, content::ContentBuilder, header::HeaderBuilder,
        };
        let (media_type, schema) = match self.0 {
            ErrorFormat::Json => ("application/json", "ErrorBody"),
            ErrorFormat::Problem => ("application/problem+json", "ErrorModel"),
        };
        let error = |desc: &str| {
            ResponseBuilder::new().description(desc).content(
                media_type,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name(schema)))
                    .build(),
            )
        };
        for (path, item) in doc.paths.paths.iter_mut() {
            let public = matches!(
                path.as_str(),
                "/auth/v1/login" | "/openapi.json" | "/healthz" | "/api/v1/schemas/{file}"
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
        description = "Helpdesk seed APIs (000 support queue, 001 support tickets, 002 workspace tickets, 003 messages), the native sync protocol and authentication. Every error body is `ErrorBody` with a stable `code`, except under `/api/v1/support`, whose errors are `application/problem+json` `ErrorModel` documents with the code in `type`. Request bodies are limited to 1 MiB (413 payload_too_large); list `limit` values above their documented maximum are refused with 422."
    ),
    components(schemas(outpost_domain::error::ErrorBody, outpost_domain::ErrorCode))
)]
struct RootApi;

/// The document of a server offering `apis`: the families it serves and nothing else.
pub fn document(apis: Apis) -> utoipa::openapi::OpenApi {
    let mut doc = RootApi::openapi();
    let mut meta = routes::meta::MetaApi::openapi();
    CommonErrors(ErrorFormat::Json).modify(&mut meta);
    doc.merge(meta);
    for family in families(apis) {
        let mut part = (family.openapi)();
        CommonErrors(family.errors).modify(&mut part);
        doc.merge(part);
    }
    BearerAuth.modify(&mut doc);
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

#[cfg(test)]
mod tests {
    use crate::http::FAMILIES;
    use std::collections::BTreeMap;

    /// Families share one components section: a schema name two families define must
    /// be the same schema (a shared domain type), never two types under one name.
    #[test]
    fn no_two_families_define_a_schema_name_differently() {
        let mut seen: BTreeMap<String, (usize, String)> = BTreeMap::new();
        for (i, family) in FAMILIES.iter().enumerate() {
            let part = (family.openapi)();
            let schemas = part.components.map(|c| c.schemas).unwrap_or_default();
            for (name, schema) in schemas {
                let json = serde_json::to_string(&schema).unwrap();
                if let Some((j, other)) = seen.get(&name) {
                    assert_eq!(
                        &json, other,
                        "schema {name} differs between family {j} and family {i}"
                    );
                } else {
                    seen.insert(name, (i, json));
                }
            }
        }
        assert!(seen.contains_key("SupportTicket") && seen.contains_key("QueueTicket"));
    }
}
