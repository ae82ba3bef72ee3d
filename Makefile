# The two commands a new user needs: `make demo` and `make test`. Everything else is for maintainers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast broker-jars bench bench-quality train-hi-ner train-en-ner prism lock clean

# Models whose publisher must be checked are installed first, by exact file hash (requirements/pinned-models.txt;
# --no-deps: their dependencies come with the project below, which then finds the pinned model already installed).
# Everything else at the versions the suite last passed with (requirements/constraints.txt; `make lock` refreshes it).
$(STAMP): pyproject.toml requirements/pinned-models.txt requirements/constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements/pinned-models.txt
	$(BIN)/pip install --quiet -c requirements/constraints.txt -e '.[dev]'
	touch $(STAMP)

# Re-resolve the development environment from pyproject.toml's bounds alone, in a scratch venv, and write what it
# installed as the new constraints; then run `make clean test` before committing them.
LOCK_VENV := .lock-venv
lock:
	rm -rf $(LOCK_VENV)
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/pip install --quiet --upgrade pip
	$(LOCK_VENV)/bin/pip install --quiet --require-hashes --no-deps -r requirements/pinned-models.txt
	$(LOCK_VENV)/bin/pip install --quiet -e '.[dev]'
	{ sed -n '/^#/p' requirements/constraints.txt | sed '$$d'; \
	  echo "# \`make test\` on the result. Written by \`make lock\` from a fresh .venv on $$(date -u +%Y-%m-%d)."; \
	  $(LOCK_VENV)/bin/pip freeze --exclude-editable | grep -v '^presspipe'; } > requirements/constraints.txt.new
	mv requirements/constraints.txt.new requirements/constraints.txt
	rm -rf $(LOCK_VENV)

demo: $(STAMP)
	$(BIN)/presspipe demo

test: $(STAMP) broker-jars prism
	$(BIN)/python -m pytest

test-fast: $(STAMP) broker-jars
	$(BIN)/python -m pytest -m "not slow"

# The tests run against Apache Kafka (PRESSPIPE_TEST_BROKER=tansu: the in-memory Tansu). Its jars are resolved through
# Maven once, into ~/.cache/presspipe/kafka-<version>/libs; later runs find them there and return at once.
broker-jars: $(STAMP)
	@if [ "$${PRESSPIPE_TEST_BROKER:-kafka}" = kafka ]; then $(BIN)/presspipe broker fetch >/dev/null; fi

bench: $(STAMP) prism
	$(BIN)/python -m benchmarks.run

bench-quality: $(STAMP)
	$(BIN)/python -m benchmarks.quality

train-hi-ner: $(STAMP)
	$(BIN)/python -m training.hindi_ner

# Beam's portable runner in Go (Prism), built once per Beam version from the Go module proxy into the cache that
# presspipe.pipelines.runners.prism_binary() reads; the portable-runner tests need it (they skip, saying so, without Go).
prism: $(STAMP)
	@version=$$($(BIN)/python -c 'import presspipe.pipelines, apache_beam; print(apache_beam.__version__)') || exit 1; \
	target=$$($(BIN)/python -c 'from presspipe.pipelines.runners import prism_cache_dir; print(prism_cache_dir())') \
	  || exit 1; \
	if [ -x "$$target/prism" ]; then echo "prism $$version: $$target/prism (cached)"; \
	elif command -v go >/dev/null 2>&1; then \
	  echo "building Beam's Prism runner v$$version from the Go module proxy into $$target (once; minutes)"; \
	  GOFLAGS=-buildvcs=false GOBIN="$$target" go install "github.com/apache/beam/sdks/v2/go/cmd/prism@v$$version"; \
	else echo "no Go toolchain: Prism is not built and the portable-runner tests skip"; fi

# Needs the training extra (spacy-lookups-data: the Brown clusters the model carries); one core, ~10 minutes.
train-en-ner: $(STAMP)
	$(BIN)/pip install --quiet -e '.[training]'
	$(BIN)/python -m training.english_ner

clean:
	rm -rf $(VENV) $(LOCK_VENV) build *.egg-info .pytest_cache
