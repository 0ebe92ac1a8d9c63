//! (layer: to be written)
