//! Setup shared by strata-core's integration tests that talk to a registry: a testkit image
//! of random layers, written into a local store under a name, ready to push.

use oci_spec::image::{Descriptor, MediaType};
use strata_core::reference::Reference;
use strata_core::store::Store;
use strata_testkit::fixtures::{Image, Layer};

/// An image labelled `name=<label>` with one layer of random bytes per size in `sizes`;
/// layer `i` uses seed `seed + i`, so the same arguments give the same bytes.
pub fn random_image(label: &str, sizes: &[usize], seed: u64) -> Image {
    let mut b = Image::builder().label("name", label);
    for (i, size) in sizes.iter().enumerate() {
        b = b.layer(Layer::random(&format!("f{i}"), *size, seed + i as u64).unwrap());
    }
    b.build()
}

/// Writes `image`'s blobs and manifest into `store` and names it `name`.
pub fn put_image(store: &Store, image: &Image, name: &str) {
    for (_, bytes) in image.blobs() {
        store.put_bytes(bytes).unwrap();
    }
    let (digest, size) = store.put_bytes(&image.manifest).unwrap();
    let desc = Descriptor::new(
        MediaType::from(image.manifest_media_type),
        size,
        oci_spec::image::Digest::from(&digest),
    );
    store
        .set_ref(&Reference::parse(name).unwrap(), desc)
        .unwrap();
}
