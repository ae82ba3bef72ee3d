# The two commands a new user needs: `make demo` and `make test`. Everything else is for maintainers.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-fast broker-jars bench bench-quality train-hi-ner clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/presspipe demo

test: $(STAMP) broker-jars
	$(BIN)/python -m pytest

test-fast: $(STAMP) broker-jars
	$(BIN)/python -m pytest -m "not slow"

# The tests run against Apache Kafka (PRESSPIPE_TEST_BROKER=tansu: the in-memory Tansu). Its jars are resolved through
# Maven once, into ~/.cache/presspipe/kafka-<version>/libs; later runs find them there and return at once.
broker-jars: $(STAMP)
	@if [ "$${PRESSPIPE_TEST_BROKER:-kafka}" = kafka ]; then $(BIN)/presspipe broker fetch >/dev/null; fi

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

bench-quality: $(STAMP)
	$(BIN)/python -m benchmarks.quality

train-hi-ner: $(STAMP)
	$(BIN)/python -m training.hindi_ner

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
