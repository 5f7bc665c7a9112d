//! Errors that point into a file: which file, which line, what about
//! (a rule, a field), what is wrong and what to do. Shared by the registry
//! and rule-pack loaders, which report every problem of a file at once.

use std::fmt;

/// One problem at a place in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The file (a path, or `embedded:NAME`).
    pub file: String,
    /// 1-based line, when known.
    pub line: Option<usize>,
    /// What the problem is about, already phrased (``rule `x` ``, ``field `y` ``).
    pub subject: Option<String>,
    /// What is wrong, and what to do.
    pub message: String,
}

impl Located {
    /// A problem in `file` at `line`.
    pub fn new(
        file: impl Into<String>,
        line: Option<usize>,
        message: impl Into<String>,
    ) -> Located {
        Located {
            file: file.into(),
            line,
            subject: None,
            message: message.into(),
        }
    }

    /// The same problem, saying what it is about.
    pub fn about(mut self, subject: Option<String>) -> Located {
        self.subject = subject;
        self
    }
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(subject) = &self.subject {
            write!(f, ": {subject}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for Located {}

/// Every problem found in one load, so they can all be fixed in one go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problems(pub Vec<Located>);

impl Problems {
    /// A single problem.
    pub fn one(problem: Located) -> Problems {
        Problems(vec![problem])
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Problems {}

/// The 1-based line of byte `offset` in `text`.
pub fn line_of(text: &str, offset: usize) -> usize {
    let offset = offset.min(text.len());
    text.as_bytes()[..offset]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}
