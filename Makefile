# The two quick-start commands of the README: `make demo` (set up, label the bundled corpus) and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
CORPUS := corpora/reviews.csv corpora/tickets.jsonl corpora/survey.csv corpora/social.jsonl

.PHONY: demo test bench clean

$(BIN)/journey: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/journey
	$(BIN)/journey extract $(CORPUS) --source survey --out out/records.jsonl
	$(BIN)/journey summary out/records.jsonl

test: $(BIN)/journey
	$(BIN)/python -m pytest -q

bench: $(BIN)/journey
	$(BIN)/python benchmarks/bench_extract.py

clean:
	rm -rf out .pytest_cache
