//! Plenum runner.
