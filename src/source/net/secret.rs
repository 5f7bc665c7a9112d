//! Keeping secrets out of errors, reports and `Debug` output.
//!
//! Secrets (AppSecrets, access tokens, bearer tokens) live in [`Secret`],
//! whose `Debug` and `Display` print `***`. Every message a fetch returns
//! goes through a [`Redactor`] that replaces the secret values it has seen
//! and the values of credential-like query parameters in URLs.

use std::fmt;
use std::sync::OnceLock;

use regex::Regex;

/// A secret value (token, AppSecret). Prints as `***` through `Debug` and
/// `Display`; [`Secret::expose`] is the only way to read it, so every use
/// is visible in the code. Cloning copies the string.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret value, for putting it into a request.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Query parameters whose values are credentials, redacted by [`redact_url`].
const SECRET_PARAMS: &str =
    "access_token|accesstoken|token|secret|appsecret|app_secret|client_secret|key|access_key|code|sign|signature|password";

fn url_param_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(&format!(r"(?i)([?&;](?:{SECRET_PARAMS})=)[^&#\s]*"))
            .expect("the redaction pattern is valid")
    })
}

/// Replaces the values of credential-like query parameters
/// (`access_token`, `token`, `secret`, `key`, …) in any URLs in `text`
/// with `***`. Cheap: one regex pass.
pub fn redact_url(text: &str) -> String {
    url_param_regex().replace_all(text, "${1}***").into_owned()
}

/// Collects the secret values one fetch used and scrubs them from messages.
/// Cost: one substring search per secret per message, plus [`redact_url`].
#[derive(Default, Clone)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// Remembers a secret so later messages are scrubbed of it. Values
    /// shorter than 4 bytes are ignored (they would mangle ordinary text
    /// and are not worth hiding).
    pub fn add(&mut self, secret: &Secret) {
        let v = secret.expose();
        if v.len() >= 4 && !self.secrets.iter().any(|s| s == v) {
            self.secrets.push(v.to_string());
        }
    }

    /// `text` with every known secret and every credential in a URL
    /// replaced by `***`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = redact_url(text);
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), "***");
            }
        }
        out
    }
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Redactor({} secrets)", self.secrets.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_print_as_stars() {
        let s = Secret::new("abcdef");
        assert_eq!(format!("{s:?} {s}"), "*** ***");
        assert_eq!(s.expose(), "abcdef");
    }

    #[test]
    fn urls_are_redacted() {
        assert_eq!(
            redact_url("GET https://x/y?access_token=81_abc&offset=2 and http://r/t?key=K1#f"),
            "GET https://x/y?access_token=***&offset=2 and http://r/t?key=***#f"
        );
        assert_eq!(redact_url("no url here"), "no url here");
    }

    #[test]
    fn redactor_scrubs_known_values() {
        let mut r = Redactor::default();
        r.add(&Secret::new("TOPSECRET"));
        r.add(&Secret::new("ab"));
        assert_eq!(r.redact("echo TOPSECRET ab"), "echo *** ab");
    }
}
