//! `GET /api/openapi.json`, generated from the route [`catalog`](super::catalog).

use axum::Json;
use serde_json::{Map, Value, json};

use super::{Access, specs};

/// The OpenAPI 3.1 document: every route with its summary, parameters, access rule
/// (`x-signet-access`) and body cap (`x-signet-body-limit`).
pub(super) async fn document() -> Json<Value> {
    let mut paths = Map::new();
    for spec in specs() {
        let params: Vec<Value> = spec
            .path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
            .collect();
        let security = match spec.access {
            Access::Public => json!([]),
            Access::Robot => json!([{"robot": []}]),
            Access::Reader | Access::SecretReader => {
                json!([{"session": []}, {"bearer": []}, {"robot": []}])
            }
            _ => json!([{"session": []}, {"bearer": []}]),
        };
        let op = json!({
            "summary": spec.summary,
            "parameters": params,
            "security": security,
            "x-signet-access": spec.access.label(),
            "x-signet-body-limit": spec.body_limit,
            "responses": {
                "default": {"description": "JSON; errors are {\"error\":{\"code\",\"message\"}}"}
            }
        });
        let entry = paths
            .entry(format!("/api{}", spec.path))
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(m) = entry {
            m.insert(spec.method.to_lowercase(), op);
        }
    }
    Json(json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Signet API",
            "version": crate::VERSION,
            "description": "End-to-end encrypted mobile signing credentials. The server stores ciphertext and public metadata only; request and response types are in signet-core's `wire` module."
        },
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": signet_core::wire::SESSION_COOKIE},
                "bearer": {"type": "http", "scheme": "bearer"},
                "robot": {"type": "apiKey", "in": "header", "name": "Authorization", "description": "Robot <id>.<auth half>"}
            }
        },
        "paths": paths
    }))
}
