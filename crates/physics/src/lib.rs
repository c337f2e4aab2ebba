//! Plenum physics.
