//! The one table of routes: the router is built from it and the OpenAPI test holds
//! `docs/openapi.yaml` against it, so neither can drift from the other.

use crate::api;
use crate::ServerState;
use axum::routing::{delete, get, post, MethodRouter};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: the health check, and the metrics (counts only, for scrapers that hold no token).
    Public,
    /// Any valid token.
    Read,
    /// Admin tokens only: the route changes state.
    Admin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "get",
            Self::Post => "post",
            Self::Delete => "delete",
        }
    }
}

pub struct Route {
    pub method: Method,
    /// The axum path, `{name}` for a path parameter (the same form as OpenAPI's).
    pub path: &'static str,
    pub access: Access,
    /// The query parameters the route accepts; any other is a 400.
    pub query: &'static [&'static str],
    pub handler: fn() -> MethodRouter<ServerState>,
}

pub const ROUTES: &[Route] = &[
    Route {
        method: Method::Get,
        path: "/healthz",
        access: Access::Public,
        query: &[],
        handler: || get(crate::healthz),
    },
    Route {
        method: Method::Get,
        path: "/metrics",
        access: Access::Public,
        query: &[],
        handler: || get(crate::metrics),
    },
    Route {
        method: Method::Get,
        path: "/api/v1/sources",
        access: Access::Read,
        query: &[],
        handler: || get(api::sources::list),
    },
    Route {
        method: Method::Post,
        path: "/api/v1/sources",
        access: Access::Admin,
        query: &[],
        handler: || post(api::sources::create),
    },
    Route {
        method: Method::Get,
        path: "/api/v1/sources/{name}",
        access: Access::Read,
        query: &[],
        handler: || get(api::sources::show),
    },
    Route {
        method: Method::Delete,
        path: "/api/v1/sources/{name}",
        access: Access::Admin,
        query: &[],
        handler: || delete(api::sources::remove),
    },
    Route {
        method: Method::Get,
        path: "/api/v1/findings",
        access: Access::Read,
        query: api::findings::QUERY,
        handler: || get(api::findings::list),
    },
    Route {
        method: Method::Get,
        path: "/api/v1/findings.csv",
        access: Access::Read,
        query: api::findings::CSV_QUERY,
        handler: || get(api::findings::csv),
    },
    Route {
        method: Method::Get,
        path: "/api/v1/resources",
        access: Access::Read,
        query: api::resources::QUERY,
        handler: || get(api::resources::list),
    },
    Route {
        method: Method::Get,
        path: "/api/v1/resources/{id}",
        access: Access::Read,
        query: &[],
        handler: || get(api::resources::show),
    },
    Route {
        method: Method::Get,
        path: "/api/v1/policies",
        access: Access::Read,
        query: &[],
        handler: || get(api::policies::list),
    },
    Route {
        method: Method::Post,
        path: "/api/v1/policies/{id}/enable",
        access: Access::Admin,
        query: &[],
        handler: || post(api::policies::enable),
    },
    Route {
        method: Method::Post,
        path: "/api/v1/policies/{id}/disable",
        access: Access::Admin,
        query: &[],
        handler: || post(api::policies::disable),
    },
    Route {
        method: Method::Get,
        path: "/api/v1/suppressions",
        access: Access::Read,
        query: &[],
        handler: || get(api::suppressions::list),
    },
    Route {
        method: Method::Post,
        path: "/api/v1/suppressions",
        access: Access::Admin,
        query: &[],
        handler: || post(api::suppressions::create),
    },
    Route {
        method: Method::Delete,
        path: "/api/v1/suppressions/{id}",
        access: Access::Admin,
        query: &[],
        handler: || delete(api::suppressions::remove),
    },
    Route {
        method: Method::Get,
        path: "/api/v1/scans",
        access: Access::Read,
        query: api::scans::QUERY,
        handler: || get(api::scans::list),
    },
    Route {
        method: Method::Get,
        path: "/api/v1/scans/{id}/errors",
        access: Access::Read,
        query: &[],
        handler: || get(api::scans::errors),
    },
    Route {
        method: Method::Get,
        path: "/api/v1/dead-letters",
        access: Access::Read,
        query: api::dead_letters::QUERY,
        handler: || get(api::dead_letters::list),
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_reads_are_open_to_read_only_tokens() {
        for r in ROUTES {
            let changes = r.method != Method::Get;
            assert_eq!(changes, r.access == Access::Admin, "{} {}", r.method.as_str(), r.path);
            assert_eq!(r.access == Access::Public, ["/healthz", "/metrics"].contains(&r.path), "{}", r.path);
        }
    }
}
