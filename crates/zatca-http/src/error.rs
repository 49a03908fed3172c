//! The crate's error: configuration and server start-up. Failed Fatoora calls
//! are [`zatca_fatoora::FatooraError`]s, as the trait requires.

use std::fmt;
use std::net::SocketAddr;

/// What went wrong setting up a client or a server.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HttpError {
    /// A base URL is not of the form `http(s)://host[:port][/path]`.
    InvalidBaseUrl {
        /// The URL as given (base URLs hold no credentials: they are refused).
        url: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An endpoint name is none of `developer-portal`, `simulation`, `production`.
    UnknownEndpoint {
        /// The name as given.
        name: String,
    },
    /// A language is neither `en` nor `ar`.
    UnknownLanguage {
        /// The language as given.
        language: String,
    },
    /// The server was asked to listen on an address other than loopback.
    NotLoopback {
        /// The address.
        addr: SocketAddr,
    },
    /// The server could not listen.
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        reason: String,
    },
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidBaseUrl { url, reason } => write!(
                f,
                "base URL {url:?}: {reason}; expected http(s)://host[:port][/path], e.g. http://127.0.0.1:8080"
            ),
            Self::UnknownEndpoint { name } => write!(
                f,
                "endpoint {name:?}: expected developer-portal, simulation or production"
            ),
            Self::UnknownLanguage { language } => {
                write!(f, "language {language:?}: expected en or ar")
            }
            Self::NotLoopback { addr } => write!(
                f,
                "listen address {addr}: the address must be loopback (127.0.0.1 or [::1]): the server speaks plain HTTP"
            ),
            Self::Bind { addr, reason } => write!(f, "could not listen on {addr}: {reason}"),
        }
    }
}

impl std::error::Error for HttpError {}
