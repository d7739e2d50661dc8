//! `GET /api/v1/schemas/{name}.json`: the JSON Schemas seed 001 bodies name in their
//! `$schema` field, taken from the OpenAPI document's components with their `$ref`s
//! pointing at this route too, so a client can follow them.

use crate::apis::Apis;
use crate::http::error::{ApiError, ApiResult};
use crate::http::openapi;
use axum::extract::Path;
use axum::http::header;
use axum::response::IntoResponse;
use outpost_domain::ErrorCode;
use std::collections::HashMap;
use std::sync::OnceLock;

/// Every component schema by name, rendered once.
fn schemas() -> &'static HashMap<String, String> {
    static SCHEMAS: OnceLock<HashMap<String, String>> = OnceLock::new();
    SCHEMAS.get_or_init(|| {
        let doc = openapi::document(Apis::all());
        doc.components
            .map(|c| c.schemas)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(name, schema)| {
                let json = serde_json::to_string(&schema).ok()?;
                let json = rewrite_refs(&json);
                Some((name, json))
            })
            .collect()
    })
}

/// `"#/components/schemas/X"` becomes `"/api/v1/schemas/X.json"`.
fn rewrite_refs(json: &str) -> String {
    const FROM: &str = "\"#/components/schemas/";
    let mut out = String::with_capacity(json.len());
    let mut rest = json;
    while let Some(at) = rest.find(FROM) {
        out.push_str(&rest[..at]);
        rest = &rest[at + FROM.len()..];
        let end = rest.find('"').unwrap_or(rest.len());
        out.push('"');
        out.push_str(&outpost_api::sonzai::schema_url(&rest[..end]));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// The JSON Schema of a body type, e.g. `SupportTicket.json`.
#[utoipa::path(get, path = "/api/v1/schemas/{file}", tag = "seed-001 support tickets",
    params(("file" = String, Path, description = "A schema file, e.g. `SupportTicket.json`")),
    responses(
        (status = 200, description = "The JSON Schema", content_type = "application/schema+json"),
        (status = 404, description = "No such schema", body = outpost_api::sonzai::problem::ErrorModel, content_type = "application/problem+json"),
    ))]
pub async fn get(Path(file): Path<String>) -> ApiResult<impl IntoResponse> {
    let name = file.strip_suffix(".json").unwrap_or(&file);
    let schema = schemas().get(name).ok_or_else(|| {
        ApiError::new(ErrorCode::NotFound, format!("no schema named {file:?}"))
            .at("path.file", file.as_str())
    })?;
    Ok((
        [(header::CONTENT_TYPE, "application/schema+json")],
        schema.clone(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_point_at_this_route() {
        assert_eq!(
            rewrite_refs(r##"{"$ref":"#/components/schemas/SonzaiStatus"}"##),
            r#"{"$ref":"/api/v1/schemas/SonzaiStatus.json"}"#
        );
    }

    #[test]
    fn every_schema_the_family_names_is_served() {
        for name in [
            "TicketListResponse",
            "SupportTicket",
            "SupportTicketComment",
            "TicketDetailResponse",
            "ErrorModel",
        ] {
            assert!(schemas().contains_key(name), "{name}");
        }
    }
}
