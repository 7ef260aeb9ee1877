//! The web suites: the real router over HTTP (`web_http`) and the whole flow in headless Chromium
//! (`browser`), on the harness in `web_support`. One test binary for the crate, one module per
//! suite: each test binary links every dependency, and on two cores linking dominates the build.

mod browser;
mod web_bank;
mod web_hardening;
mod web_http;
mod web_support;
