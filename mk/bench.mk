# Engine benchmarks against the real peers, each printing its ratio. Included by the
# top-level Makefile, which defines ROOT, CARGO and SUDO.
#
#   STRATA_BENCH_MIB    image / change size in MiB (default 1024)
#   STRATA_BENCH_RUNS   runs per operation, the best is kept (default 3)
#   STRATA_BENCH_FILES  files in the commit benchmark's root filesystem (default 20000)

CARGO ?= cargo

# Debian packages these targets need (the lead's `deps` target installs them).
BENCH_DEBIAN_PACKAGES := skopeo umoci

.PHONY: bench-import-export bench-commit bench-archive-push bench-store-scale bench-tags-scale bench-catalog-scale bench-concurrent

## bench-import-export: strata import/export of a 1 GiB, 8-layer archive vs skopeo copy
bench-import-export:
	@command -v skopeo >/dev/null || { echo "error: skopeo is not installed: run make deps"; exit 1; }
	$(CARGO) bench -p strata-cli --bench import_export

## bench-archive-push: a 512 MiB, 4-layer docker archive to a registry: strata import + push
## (gzip on every core; level 2 for this registry nearby, and 6, 1, none) vs skopeo copy docker-archive: docker://
bench-archive-push:
	@command -v skopeo >/dev/null || { echo "error: skopeo is not installed: run make deps"; exit 1; }
	STRATA_BENCH_MIB=$${STRATA_BENCH_MIB:-512} $(CARGO) bench -p strata-cli --bench archive_push

## bench-store-scale: images, df, rmi, prune, fsck at 200 and 2,000 images (STRATA_BENCH_IMAGES)
bench-store-scale:
	$(CARGO) bench -p strata-cli --bench store_scale

## bench-tags-scale: 50,000 tags in pages (STRATA_BENCH_TAGS): strata tags vs skopeo list-tags vs curl
bench-tags-scale:
	@command -v skopeo >/dev/null || { echo "error: skopeo is not installed: run make deps"; exit 1; }
	$(CARGO) bench -p strata-cli --bench tags_scale

## bench-catalog-scale: 20,000 repositories in catalog pages (STRATA_BENCH_REPOS): strata repos vs curl
bench-catalog-scale:
	$(CARGO) bench -p strata-cli --bench catalog_scale

## bench-concurrent: ten pushes and ten pulls at once vs one by one (target ≤ 1.2×)
bench-concurrent:
	$(CARGO) bench -p strata-cli --bench concurrent_transfers

## bench-commit: strata commit vs umoci repack (100 files in 20,000), 1 GiB commit vs gzip.
## Overlay containers need root: the benchmark is built as you and only its binary runs as
## root (cargo under sudo would look for another user's toolchain).
comma := ,
BENCH_SUDO = $(if $(SUDO),$(SUDO) --preserve-env=STRATA_BENCH_MIB$(comma)STRATA_BENCH_RUNS$(comma)STRATA_BENCH_FILES,)
bench-commit:
	@command -v umoci >/dev/null || { echo "error: umoci is not installed: run make deps"; exit 1; }
	@exe=$$($(CARGO) bench -p strata-cli --bench commit --no-run --message-format=json \
	  | grep '"kind":\["bench"\]' | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -n 1); \
	test -n "$$exe" || { echo "error: the commit benchmark did not build"; exit 1; }; \
	echo "$$exe --bench"; \
	$(BENCH_SUDO) "$$exe" --bench
