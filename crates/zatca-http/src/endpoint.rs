//! Where the calls go: ZATCA's three gateways, or any base URL.

use std::fmt;
use std::str::FromStr;

use zatca_profile::Environment;

use crate::HttpError;

/// One of ZATCA's three Fatoora gateways.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// The developer portal (sandbox): any OTP, shared sample certificates.
    DeveloperPortal,
    /// The simulation environment: OTPs from the simulation portal.
    Simulation,
    /// Production ("core").
    Production,
}

impl Endpoint {
    /// Every endpoint.
    pub const ALL: [Self; 3] = [Self::DeveloperPortal, Self::Simulation, Self::Production];

    /// The name used on the command line: `developer-portal`, `simulation`, `production`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::DeveloperPortal => "developer-portal",
            Self::Simulation => "simulation",
            Self::Production => "production",
        }
    }

    /// The base URL (the "Servers" of ZATCA's Integration Sandbox Swagger).
    ///
    /// ```
    /// use zatca_http::Endpoint;
    /// assert_eq!(
    ///     Endpoint::Production.base_url(),
    ///     "https://gw-fatoora.zatca.gov.sa/e-invoicing/core"
    /// );
    /// ```
    pub const fn base_url(self) -> &'static str {
        match self {
            Self::DeveloperPortal => "https://gw-fatoora.zatca.gov.sa/e-invoicing/developer-portal",
            Self::Simulation => "https://gw-fatoora.zatca.gov.sa/e-invoicing/simulation",
            Self::Production => "https://gw-fatoora.zatca.gov.sa/e-invoicing/core",
        }
    }

    /// The device environment this gateway serves.
    pub const fn environment(self) -> Environment {
        match self {
            Self::DeveloperPortal => Environment::Development,
            Self::Simulation => Environment::Simulation,
            Self::Production => Environment::Production,
        }
    }

    /// The gateway of a device environment.
    pub const fn of(environment: Environment) -> Self {
        match environment {
            Environment::Development => Self::DeveloperPortal,
            Environment::Simulation => Self::Simulation,
            Environment::Production => Self::Production,
        }
    }
}

impl FromStr for Endpoint {
    type Err = HttpError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|e| e.name() == s)
            .ok_or_else(|| HttpError::UnknownEndpoint { name: s.to_owned() })
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A base URL the four paths are appended to: `http` or `https`, a host, an
/// optional port and path; no credentials, query or fragment; no trailing `/`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BaseUrl(String);

impl BaseUrl {
    /// Parses a base URL.
    ///
    /// ```
    /// use zatca_http::BaseUrl;
    /// let url = BaseUrl::parse("http://127.0.0.1:8080/")?;
    /// assert_eq!(url.as_str(), "http://127.0.0.1:8080");
    /// assert!(url.is_loopback());
    /// assert!(BaseUrl::parse("http://user:pw@example.com").is_err());
    /// # Ok::<(), zatca_http::HttpError>(())
    /// ```
    pub fn parse(url: &str) -> Result<Self, HttpError> {
        let bad = |reason| HttpError::InvalidBaseUrl {
            // Never echo anything that might be credentials.
            url: if url.contains('@') {
                "<hidden: it holds credentials>".to_owned()
            } else {
                url.to_owned()
            },
            reason,
        };
        let trimmed = url.trim();
        let (scheme, rest) = trimmed
            .split_once("://")
            .ok_or_else(|| bad("no http:// or https:// scheme"))?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(bad("the scheme is neither http nor https"));
        }
        if rest.contains('@') {
            return Err(bad("credentials do not belong in the URL"));
        }
        if rest.contains(['?', '#']) {
            return Err(bad("a base URL has no query or fragment"));
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        if authority.is_empty() {
            return Err(bad("the host is missing"));
        }
        if !authority
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']' | '_'))
        {
            return Err(bad("the host holds characters a host name cannot"));
        }
        if !path.chars().all(|c| c.is_ascii_graphic()) {
            return Err(bad("the path holds spaces or non-ASCII characters"));
        }
        let path = path.trim_end_matches('/');
        Ok(Self(format!("{scheme}://{authority}{path}")))
    }

    /// `http://ADDR` for a socket address (the local server's).
    #[cfg_attr(not(feature = "server"), allow(dead_code))]
    pub(crate) fn http_at(addr: std::net::SocketAddr) -> Self {
        Self(format!("http://{addr}"))
    }

    /// The URL, without a trailing `/`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URL of an API path such as `/compliance`.
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }

    /// Whether the scheme is `https`.
    pub fn is_https(&self) -> bool {
        self.0.starts_with("https://")
    }

    /// Whether the host is a loopback address (`127.x.x.x`, `localhost`, `[::1]`).
    pub fn is_loopback(&self) -> bool {
        let rest = self.0.split_once("://").map_or("", |(_, r)| r);
        let authority = rest.split('/').next().unwrap_or("");
        let host = if authority.starts_with('[') {
            authority
                .split(']')
                .next()
                .map_or("", |h| h.trim_start_matches('['))
        } else {
            authority.split(':').next().unwrap_or("")
        };
        host.eq_ignore_ascii_case("localhost")
            || host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|ip| ip.is_loopback())
    }

    /// The named gateway with this URL, if it is one.
    pub fn endpoint(&self) -> Option<Endpoint> {
        Endpoint::ALL.into_iter().find(|e| e.base_url() == self.0)
    }
}

impl From<Endpoint> for BaseUrl {
    fn from(endpoint: Endpoint) -> Self {
        Self(endpoint.base_url().to_owned())
    }
}

impl FromStr for BaseUrl {
    type Err = HttpError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The `Accept-Language` of the answers' messages (`en` or `ar`; optional).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    /// English (the default).
    #[default]
    En,
    /// Arabic.
    Ar,
}

impl Language {
    /// The header value: `en` or `ar`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Ar => "ar",
        }
    }
}

impl FromStr for Language {
    type Err = HttpError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "en" => Ok(Self::En),
            "ar" => Ok(Self::Ar),
            _ => Err(HttpError::UnknownLanguage {
                language: s.to_owned(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_round_trip_and_fix_the_environment() {
        for e in Endpoint::ALL {
            assert_eq!(e.name().parse::<Endpoint>(), Ok(e));
            assert_eq!(Endpoint::of(e.environment()), e);
            assert_eq!(BaseUrl::from(e).endpoint(), Some(e));
            assert!(BaseUrl::from(e).is_https());
            assert!(!BaseUrl::from(e).is_loopback());
        }
        assert!("sandbox".parse::<Endpoint>().is_err());
    }

    #[test]
    fn base_urls_are_checked() {
        for ok in [
            "http://127.0.0.1:1",
            "HTTP://localhost:8080/e-invoicing/core/",
            "http://[::1]:9/",
        ] {
            let url = BaseUrl::parse(ok).unwrap();
            assert!(url.is_loopback(), "{ok}");
            assert!(!url.as_str().ends_with('/'));
        }
        for (bad, why) in [
            ("127.0.0.1:8080", "scheme"),
            ("ftp://x", "scheme"),
            ("https://u:secret@host", "credentials"),
            ("https://host/?a=1", "query"),
            ("https:///path", "host is missing"),
            ("https://ho st", "host"),
        ] {
            let e = BaseUrl::parse(bad).unwrap_err();
            assert!(e.to_string().contains(why), "{bad}: {e}");
            assert!(!e.to_string().contains("secret"), "{e}");
        }
        assert!(
            !BaseUrl::parse("http://127.example.com")
                .unwrap()
                .is_loopback()
        );
    }
}
