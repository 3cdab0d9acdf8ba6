# Every target that needs Python creates the virtual environment first when it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
BUILD  := build

# Training defaults: the bundled Palmer penguins data, target column from configuration.
DATA        ?= data/penguins.csv
TARGET      ?= species
TRAIN_ARGS  ?=

.PHONY: venv train test check format clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	$(BIN)/python -m pip check
	@touch $(STAMP)

venv: $(STAMP)

train: $(STAMP)
	$(BIN)/python training/train.py --train $(DATA) --target $(TARGET) \
		--model-dir $(BUILD)/model --output-data-dir $(BUILD) --artifact $(BUILD)/model.tar.gz $(TRAIN_ARGS)
	$(BIN)/python -m monitoring.baseline --data $(DATA) --manifest $(BUILD)/manifest.json --out $(BUILD)/baseline

test: $(STAMP)
	$(BIN)/python -m pytest

check: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(BUILD)
