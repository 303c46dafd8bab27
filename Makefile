# Convenience targets; ./run and ./test are the two set-up commands.
.PHONY: test run bench bench-small fmt lint

test:
	./test

run:
	./run

# Speed and memory figures (see scripts/bench.py): 100 MB and 1.1 GB corpora, medians.
bench:
	python3 scripts/bench.py

bench-small:
	python3 scripts/bench.py --sizes 100

fmt:
	cargo fmt --all

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
