//! (image: to be written)
