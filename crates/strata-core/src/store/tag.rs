//! `tag`: another name for an image already in the store, as `docker tag SRC DST` gives
//! one. The app's Tag dialog and `strata tag` both call [`Store::tag`].

use super::{Store, StoreError};
use crate::reference::Reference;

impl Store {
    /// Gives the image `source` names (a name or an ID) the name `target`, replacing what
    /// `target` named before; returns the full new name. A `target` that is not a name
    /// fails before the store is read.
    pub fn tag(&self, source: &str, target: &str) -> Result<Reference, StoreError> {
        let target = Reference::parse(target)?;
        let found = self.resolve(source)?;
        self.set_ref(&target, found.descriptor)?;
        Ok(target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::problem::Explain;
    use crate::store::tests::make_image;

    #[test]
    fn a_tag_names_the_same_image_and_a_bad_name_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let (desc, _) = make_image(&store, "a.txt", b"a", None);
        store
            .set_ref(&Reference::parse("app:1").unwrap(), desc.clone())
            .unwrap();

        let full = store.tag("app:1", "ghcr.io/o/app:2").unwrap();
        assert_eq!(full.to_string(), "ghcr.io/o/app:2");
        let tagged = store.resolve("ghcr.io/o/app:2").unwrap();
        assert_eq!(tagged.descriptor.digest(), desc.digest());

        let before = store.refs().unwrap().len();
        let err = store.tag("app:1", "Not A Name").unwrap_err();
        assert_eq!(err.code(), "reference.invalid");
        let err = store.tag("missing:1", "app:3").unwrap_err();
        assert_eq!(err.code(), "store.not_found");
        assert_eq!(store.refs().unwrap().len(), before);
    }
}
