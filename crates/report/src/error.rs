//! The report crate's error type: writing failed, for a named output format.

/// Why a report or export could not be written. Rendering itself cannot fail; only the writer can.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("writing {format} output: {source}")]
    Write {
        format: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("encoding {format} output: {source}")]
    Json {
        format: &'static str,
        #[source]
        source: serde_json::Error,
    },
    #[error("writing CSV output: {source}")]
    Csv {
        #[source]
        source: csv::Error,
    },
}

/// Attaches the output format to an I/O error.
pub(crate) fn write_err(format: &'static str) -> impl Fn(std::io::Error) -> ReportError {
    move |source| ReportError::Write { format, source }
}
