//! Where each onboarding call goes on the wire: one table of methods and paths
//! (as ZATCA's Integration Sandbox Swagger lists them) that the HTTP client and the HTTP
//! server both read, so they cannot disagree.
//!
//! The paths are relative to a gateway's base URL (for example
//! `https://gw-fatoora.zatca.gov.sa/e-invoicing/core`). Adding an endpoint
//! means a [`Route`] variant here, a [`Fatoora`](crate::Fatoora) method, and
//! the client's and server's arms for it (both `match` on [`Route`], so the
//! compiler points at each).

use std::fmt;

/// One of the onboarding calls of ZATCA's Fatoora API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// `POST /compliance`: [`Fatoora::compliance_csid`](crate::Fatoora::compliance_csid).
    ComplianceCsid,
    /// `POST /compliance/invoices`: [`Fatoora::compliance_invoice`](crate::Fatoora::compliance_invoice).
    ComplianceInvoice,
    /// `POST /production/csids`: [`Fatoora::production_csid`](crate::Fatoora::production_csid).
    ProductionCsid,
    /// `PATCH /production/csids`: [`Fatoora::renew_production_csid`](crate::Fatoora::renew_production_csid).
    Renewal,
}

/// The HTTP methods the onboarding API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// `POST`.
    Post,
    /// `PATCH`.
    Patch,
}

impl Method {
    /// The method as it appears on the request line.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Post => "POST",
            Self::Patch => "PATCH",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Route {
    /// Every route, in the order of the lifecycle.
    pub const ALL: [Self; 4] = [
        Self::ComplianceCsid,
        Self::ComplianceInvoice,
        Self::ProductionCsid,
        Self::Renewal,
    ];

    /// The HTTP method.
    pub const fn method(self) -> Method {
        match self {
            Self::ComplianceCsid | Self::ComplianceInvoice | Self::ProductionCsid => Method::Post,
            Self::Renewal => Method::Patch,
        }
    }

    /// The path under a gateway's base URL.
    pub const fn path(self) -> &'static str {
        match self {
            Self::ComplianceCsid => "/compliance",
            Self::ComplianceInvoice => "/compliance/invoices",
            Self::ProductionCsid | Self::Renewal => "/production/csids",
        }
    }

    /// The route of a request, if its method and path name one.
    ///
    /// ```
    /// use zatca_fatoora::Route;
    /// assert_eq!(Route::find("PATCH", "/production/csids"), Some(Route::Renewal));
    /// assert_eq!(Route::find("GET", "/compliance"), None);
    /// ```
    pub fn find(method: &str, path: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|r| r.method().as_str() == method && r.path() == path)
    }

    /// Whether any route has this path (with any method).
    pub fn is_known_path(path: &str) -> bool {
        Self::ALL.into_iter().any(|r| r.path() == path)
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method(), self.path())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_zatcas_and_each_method_and_path_is_one_route() {
        let table: Vec<String> = Route::ALL.iter().map(Route::to_string).collect();
        assert_eq!(
            table,
            [
                "POST /compliance",
                "POST /compliance/invoices",
                "POST /production/csids",
                "PATCH /production/csids",
            ]
        );
        for r in Route::ALL {
            assert_eq!(Route::find(r.method().as_str(), r.path()), Some(r));
            assert!(Route::is_known_path(r.path()));
        }
        assert!(!Route::is_known_path("/invoices/reporting/single"));
        assert_eq!(Route::find("PATCH", "/compliance"), None);
    }
}
