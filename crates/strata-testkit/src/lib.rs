//! (testkit: to be written)
