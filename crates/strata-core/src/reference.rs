//! (reference: to be written)
