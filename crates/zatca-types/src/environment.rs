//! The two meanings of "environment": the one a device is onboarded to (its
//! CSR template), and the CA family a certificate was issued by.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The ZATCA environment a device is onboarded to; it picks the certificate
/// template name the CSR carries (extension 1.3.6.1.4.1.311.20.2).
///
/// ```
/// use zatca_types::Environment;
/// let env: Environment = "sandbox".parse()?;
/// assert_eq!(env, Environment::Development);
/// assert_eq!(env.template_name(), "TSTZATCA-Code-Signing");
/// assert_eq!(Environment::from_template_name("PREZATCA-Code-Signing"), Some(Environment::Simulation));
/// # Ok::<(), String>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Environment {
    /// The developer portal (sandbox): template `TSTZATCA-Code-Signing`.
    Development,
    /// Simulation: template `PREZATCA-Code-Signing`.
    Simulation,
    /// Production (core): template `ZATCA-Code-Signing`.
    Production,
}

impl Environment {
    /// All three.
    pub const ALL: [Self; 3] = [Self::Development, Self::Simulation, Self::Production];

    /// The certificate template name (extension 1.3.6.1.4.1.311.20.2).
    pub const fn template_name(self) -> &'static str {
        match self {
            Self::Development => "TSTZATCA-Code-Signing",
            Self::Simulation => "PREZATCA-Code-Signing",
            Self::Production => "ZATCA-Code-Signing",
        }
    }

    /// The environment a template name belongs to (exact match).
    pub fn from_template_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.template_name() == name)
    }

    /// `development`, `simulation` or `production`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Development => "development",
            Self::Simulation => "simulation",
            Self::Production => "production",
        }
    }

    /// Whether a certificate issued by a CA of `family` may serve a device of
    /// this environment. Simulation and production must match exactly; the
    /// developer portal issues from `CN=eInvoicing`, and its production CSIDs
    /// have come from a production-named CA, so development accepts anything
    /// but a simulation CA.
    ///
    /// ```
    /// use zatca_types::{CaFamily, Environment};
    /// assert!(Environment::Production.accepts_ca(Some(CaFamily::Production)));
    /// assert!(!Environment::Production.accepts_ca(Some(CaFamily::DeveloperPortal)));
    /// assert!(Environment::Development.accepts_ca(Some(CaFamily::Production)));
    /// assert!(!Environment::Development.accepts_ca(Some(CaFamily::Simulation)));
    /// ```
    pub fn accepts_ca(self, family: Option<CaFamily>) -> bool {
        match self {
            Self::Simulation => family == Some(CaFamily::Simulation),
            Self::Production => family == Some(CaFamily::Production),
            Self::Development => family != Some(CaFamily::Simulation),
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Environment {
    type Err = String;
    /// Accepts the seed APIs' spellings too: `Development`, `sandbox`,
    /// `developer-portal`, `Simulation`, `Production`, `core` (any case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "development" | "developer-portal" | "developerportal" | "sandbox" => {
                Ok(Self::Development)
            }
            "simulation" => Ok(Self::Simulation),
            "production" | "core" => Ok(Self::Production),
            _ => Err(format!(
                "unknown environment {s:?}; expected development (developer-portal, sandbox), simulation or production (core)"
            )),
        }
    }
}

impl Serialize for Environment {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Environment {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

/// The family of ZATCA CA a certificate's issuer belongs to, where it is known.
///
/// Inferred from the issuer CN: the developer portal's compliance CA is
/// `CN=eInvoicing`; the AD CS CAs are named `PEZEINVOICESCA…` (simulation,
/// seen `PEZEINVOICESCA2-CA`), `PRZEINVOICESCA…` (production, seen
/// `PRZEINVOICESCA1-CA`, `PRZEINVOICESCA4-CA`) and `TSZEINVOICE…` (the old
/// test CA of SDK R3.1.8 / R3.2.7). The developer portal hands out the SDK
/// R3.3.3 certificate (issued by `PRZEINVOICESCA4-CA`) as its fixed
/// production CSID.
///
/// ```
/// use zatca_types::CaFamily;
/// assert_eq!(CaFamily::from_issuer_cn("PEZEINVOICESCA2-CA"), Some(CaFamily::Simulation));
/// assert_eq!(CaFamily::from_issuer_cn("eInvoicing"), Some(CaFamily::DeveloperPortal));
/// assert_eq!(CaFamily::from_issuer_cn("Some CA"), None);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CaFamily {
    /// The developer portal (sandbox) compliance CA, `CN=eInvoicing`.
    DeveloperPortal,
    /// A simulation CA (`PEZEINVOICE…`).
    Simulation,
    /// A production CA (`PRZEINVOICE…`).
    Production,
    /// The retired test CA of the older SDKs (`TSZEINVOICE…`).
    LegacyTest,
}

impl CaFamily {
    /// A short lower-case name: `developer-portal`, `simulation`, `production`, `legacy-test`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::DeveloperPortal => "developer-portal",
            Self::Simulation => "simulation",
            Self::Production => "production",
            Self::LegacyTest => "legacy-test",
        }
    }

    /// The family an issuer CN names, if it is one of ZATCA's.
    pub fn from_issuer_cn(cn: &str) -> Option<Self> {
        if cn == "eInvoicing" {
            Some(Self::DeveloperPortal)
        } else if cn.starts_with("PEZEINVOICE") {
            Some(Self::Simulation)
        } else if cn.starts_with("PRZEINVOICE") {
            Some(Self::Production)
        } else if cn.starts_with("TSZEINVOICE") {
            Some(Self::LegacyTest)
        } else {
            None
        }
    }
}

impl fmt::Display for CaFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
