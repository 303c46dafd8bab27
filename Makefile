# Convenience targets; ./run and ./test are the two set-up commands.
.PHONY: test run bench bench-small fmt lint package package-test

test:
	./test

run:
	./run

# Speed and memory figures (see scripts/bench.py): 100 MB and 1.1 GB corpora, medians.
bench:
	python3 scripts/bench.py

bench-small:
	python3 scripts/bench.py --sizes 100

# A .deb and an .rpm of the tray app and the CLI (Tauri's bundler, pinned); prints their paths.
package:
	scripts/package.sh

# Installs the .deb with apt, checks it works, removes it (root; builds the packages if needed).
package-test:
	scripts/package-test.sh

fmt:
	cargo fmt --all

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
