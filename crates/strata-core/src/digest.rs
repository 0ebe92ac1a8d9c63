//! (digest: to be written)
