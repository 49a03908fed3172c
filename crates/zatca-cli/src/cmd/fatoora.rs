//! `--fatoora sim|developer-portal|simulation|production|URL`: which Fatoora a
//! command talks to. The default is the in-process simulator, so nothing
//! reaches the internet unless asked.
//!
//! The named gateways fix the environment: a device of another environment is
//! refused before any request is sent. A URL (a served simulator, a proxy) is
//! accepted for any environment; a served simulator refuses a CSR of another
//! environment's template itself (`Denied-by-Policy-Module`), as ZATCA does.
//! `ZATCA_HTTP_TRACE=1` prints a redacted line per HTTP exchange to stderr.

use std::path::Path;
use std::str::FromStr;

use zatca_fatoora::Fatoora;
use zatca_onboarding::UnixTime;
use zatca_profile::Environment;
use zatca_simulator::{Simulator, SimulatorConfig, UblDocumentChecker};

use crate::exit::{CliError, Code};

/// Where the Fatoora calls go.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum FatooraChoice {
    /// The in-process simulator, its state under `<store>/simulator/<env>/`.
    #[default]
    Sim,
    /// One of ZATCA's gateways.
    #[cfg(feature = "http")]
    Endpoint(zatca_http::Endpoint),
    /// Any base URL (e.g. `zatca simulator serve`).
    #[cfg(feature = "http")]
    Url(zatca_http::BaseUrl),
}

impl FromStr for FatooraChoice {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "sim" {
            return Ok(Self::Sim);
        }
        #[cfg(feature = "http")]
        {
            if let Ok(endpoint) = s.parse::<zatca_http::Endpoint>() {
                return Ok(Self::Endpoint(endpoint));
            }
            if s.contains("://") {
                return zatca_http::BaseUrl::parse(s)
                    .map(Self::Url)
                    .map_err(|e| e.to_string());
            }
            Err(format!(
                "{s:?}: expected sim, developer-portal, simulation, production or an http(s):// URL"
            ))
        }
        #[cfg(not(feature = "http"))]
        Err(format!(
            "{s:?}: this zatca was built without the `http` feature; only `sim` is available"
        ))
    }
}

impl FatooraChoice {
    /// The environment the choice fixes, if it fixes one.
    pub fn environment(&self) -> Option<Environment> {
        match self {
            Self::Sim => None,
            #[cfg(feature = "http")]
            Self::Endpoint(e) => Some(e.environment()),
            #[cfg(feature = "http")]
            Self::Url(_) => None,
        }
    }

    /// Refuses a device of `environment` on a gateway of another one, before any request.
    pub fn check_environment(&self, environment: Environment) -> Result<(), CliError> {
        #[cfg(feature = "http")]
        if let Self::Endpoint(e) = self
            && e.environment() != environment
        {
            return Err(CliError::new(
                Code::Refused,
                format!(
                    "the device is a {} device but --fatoora {} is ZATCA's {} gateway: nothing was sent; use --fatoora {} (or sim)",
                    environment.as_str(),
                    e.name(),
                    e.environment().as_str(),
                    zatca_http::Endpoint::of(environment).name()
                ),
            ));
        }
        let _ = environment;
        Ok(())
    }

    /// What the choice is, for progress lines.
    pub fn describe(&self, environment: Environment) -> String {
        match self {
            Self::Sim => format!("{} simulator", environment.as_str()),
            #[cfg(feature = "http")]
            Self::Endpoint(e) => format!("ZATCA {} at {}", e.name(), e.base_url()),
            #[cfg(feature = "http")]
            Self::Url(u) => format!("Fatoora at {u}"),
        }
    }

    /// Opens the transport for a device of `environment` over the store at `dir`.
    pub fn open(
        &self,
        dir: &Path,
        environment: Environment,
        now: UnixTime,
        store: &zatca_onboarding::Store,
    ) -> Result<Transport, CliError> {
        self.check_environment(environment)?;
        match self {
            Self::Sim => {
                let config = SimulatorConfig {
                    state_dir: Some(dir.join("simulator").join(environment.as_str())),
                    ..SimulatorConfig::for_environment(environment, now.as_secs())
                };
                // Under the store lock, so two processes do not both create the simulator's CA keys.
                let _lock = store.lock()?;
                let simulator = Simulator::new(config)
                    .map_err(|e| CliError::new(Code::Io, e.to_string()))?
                    .with_document_checker(Box::new(UblDocumentChecker));
                Ok(Box::new(simulator))
            }
            #[cfg(feature = "http")]
            Self::Endpoint(e) => http(zatca_http::BaseUrl::from(*e)),
            #[cfg(feature = "http")]
            Self::Url(u) => http(u.clone()),
        }
    }
}

#[cfg(feature = "http")]
fn http(url: zatca_http::BaseUrl) -> Result<Transport, CliError> {
    let mut client = zatca_http::HttpFatoora::new(zatca_http::ClientConfig::new(url))
        .map_err(|e| CliError::new(Code::Invalid, e.to_string()))?;
    if std::env::var_os("ZATCA_HTTP_TRACE").is_some_and(|v| !v.is_empty() && v != "0") {
        client = client.with_observer(Box::new(|x| {
            let outcome = match (x.status, &x.error) {
                (Some(status), _) => status.to_string(),
                (None, Some(e)) => e.clone(),
                (None, None) => "-".to_owned(),
            };
            eprintln!(
                "http: {} {} (try {}) -> {outcome}",
                x.method, x.url, x.attempt
            );
            if let Some(body) = &x.response_body {
                eprintln!("http:   answer {body}");
            }
        }));
    }
    Ok(Box::new(client))
}

/// The Fatoora a command talks to: the in-process simulator or the HTTP client.
pub type Transport = Box<dyn Fatoora>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choices_parse() {
        assert_eq!("sim".parse::<FatooraChoice>(), Ok(FatooraChoice::Sim));
        assert!("gateway".parse::<FatooraChoice>().is_err());
        #[cfg(feature = "http")]
        {
            assert_eq!(
                "simulation".parse::<FatooraChoice>(),
                Ok(FatooraChoice::Endpoint(zatca_http::Endpoint::Simulation))
            );
            assert!(matches!(
                "http://127.0.0.1:8080".parse::<FatooraChoice>(),
                Ok(FatooraChoice::Url(_))
            ));
            assert!("ftp://x".parse::<FatooraChoice>().is_err());
        }
    }

    #[cfg(feature = "http")]
    #[test]
    fn named_gateways_refuse_other_environments() {
        let production = FatooraChoice::Endpoint(zatca_http::Endpoint::Production);
        let e = production
            .check_environment(Environment::Development)
            .unwrap_err();
        assert_eq!(e.code, Code::Refused);
        assert!(
            e.message.contains("--fatoora developer-portal"),
            "{}",
            e.message
        );
        assert!(e.message.contains("nothing was sent"), "{}", e.message);
        assert!(
            production
                .check_environment(Environment::Production)
                .is_ok()
        );
        let url = FatooraChoice::Url(zatca_http::BaseUrl::parse("http://127.0.0.1:1").unwrap());
        assert!(url.check_environment(Environment::Simulation).is_ok());
    }
}
