# NewsDedup. `make run` and `make test` set up everything they need (apt packages included).
SWIFT ?= swift
RELEASE := .build/release/newsdedup

.PHONY: deps build run test report-test eval bench clean

deps:
	@bash scripts/install-deps.sh

build: deps
	$(SWIFT) build -c release --product newsdedup

# The nightly job on the shipped demo corpus, writing Results/.
run: build
	$(RELEASE) run Corpus --out Results

# Results/report.html in headless Chromium (installed with apt-get if missing): fails on a blank
# or broken page; the full-page screenshot goes to REPORT_PNG.
REPORT_PNG ?= $(or $(TMPDIR),/tmp)/newsdedup-report.png
report-test: run
	bash scripts/report-browser-test.sh Results/report.html $(REPORT_PNG)

# Unit, reference-parity and end-to-end tests (no Python needed).
test: deps
	$(SWIFT) test --disable-swift-testing

# Quality on ../shared/data beside the reference pipeline; fails under the bars.
eval: build
	python3 scripts/eval.py --newsdedup $(RELEASE) --python "$$(bash scripts/python-env.sh)" --enforce

# Speed and quality beside the Python reference on synthetic corpora (issue #6; docs/benchmarks.md).
# Long: about an hour with the defaults. E.g. make bench BENCH_ARGS="--sizes 10000 --rounds 1".
BENCH_ARGS ?=
bench: deps
	$(SWIFT) build -c release --product newsdedup
	$(SWIFT) build -c release --product newsdedup-bench
	python3 scripts/bench/bench.py --newsdedup $(RELEASE) --generator .build/release/newsdedup-bench \
		--python "$$(bash scripts/python-env.sh)" $(BENCH_ARGS)

clean:
	rm -rf .build .eval Results.tmp-* Results.old-* Results.state .Results.lock
