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

STACK  ?= prod
PORT   ?= 8080

.PHONY: venv train train-xgboost tune demo serve container-test load-test plan rehearse emulator dashboard snapshot plan-diff policy cost training-data test check format clean

$(STAMP): pyproject.toml constraints.txt requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@echo 'installing the pinned set (requirements.txt -> constraints.txt) into $(VENV); a first install takes a few minutes'
	$(BIN)/python -m pip install --progress-bar on -r requirements.txt
	$(BIN)/python -m pip check
	@touch $(STAMP)

venv: $(STAMP)

train: $(STAMP)
	$(BIN)/python training/train.py --train $(DATA) --target $(TARGET) \
		--model-dir $(BUILD)/model --output-data-dir $(BUILD) --artifact $(BUILD)/model.tar.gz $(TRAIN_ARGS)

# The XGBoost family: the built-in algorithm's local twin (xgboost 3.0.5, the image 3.0-5's release) on the
# same data, gated and packaged into build/xgboost/ (model.tar.gz, xgboost-model.tar.gz, baseline/).
train-xgboost: $(STAMP)
	$(BIN)/python -m training.train_boost --train $(DATA) --target $(TARGET) --out $(BUILD)/xgboost
	$(BIN)/python -m monitoring.baseline --data $(DATA) --manifest $(BUILD)/xgboost/manifest.json --out $(BUILD)/xgboost/baseline

# Hyperparameter search over training/search_space.yaml on this machine: Optuna, every trial a real
# train.py run under SageMaker's script-mode contract, 2 at a time. Report and best model: build/tuning/.
SPACE ?= training/search_space.yaml
tune: $(STAMP)
	$(BIN)/python -m training.tuning --space $(SPACE) local --data $(DATA) --out $(BUILD)/tuning

# The whole platform end to end, offline: train, rehearse dev and prod in a local AWS emulator,
# serve the model behind SageMaker's container contract and invoke it.
demo: $(STAMP)
	$(BIN)/python -m demo

serve: $(STAMP)
	@test -f $(BUILD)/model.tar.gz || $(MAKE) train
	$(BIN)/python -m training.serve --artifact $(BUILD)/model.tar.gz --port $(PORT)

# Our server and MLServer 1.7.1 on the same model under wrk (MLServer in its own venv under build/).
bench-serving: $(STAMP)
	@test -f $(BUILD)/model.tar.gz || $(MAKE) train
	$(BIN)/python bench/serving_vs_mlserver.py --repetitions 3 --duration 5

# Ramp load on the local server (run `make serve` first) and size autoscaling by AWS's rule.
LOAD_ARGS ?=
load-test: $(STAMP)
	@test -f $(BUILD)/manifest.json || $(MAKE) train
	$(BIN)/python bench/load_test.py --url http://127.0.0.1:$(PORT) --stack $(STACK) $(LOAD_ARGS)

# The custom entity recognizer's training data, checked the way Comprehend documents it (exit 1: problems).
training-data: $(STAMP)
	$(BIN)/python -m client.text.training_data --documents data/comprehend/documents.txt \
		--annotations data/comprehend/annotations.csv --entity-types SPECIES,ISLAND

# AWS's serving library (sagemaker-containers, the image's pins, Python 3.12) serves the artifact inside a
# network namespace with no network and no pip configuration; every request of the serving contract.
container-test: $(STAMP)
	@test -f $(BUILD)/model.tar.gz || $(MAKE) train
	$(BIN)/python containers/container_test.py --artifact $(BUILD)/model.tar.gz

# The stack's resource graph from the real program under Pulumi's mock runtime (no CLI, no AWS).
plan: $(STAMP)
	@test -f $(BUILD)/model.tar.gz || $(MAKE) train
	$(BIN)/python -m offline.plan --stack $(STACK)

rehearse: $(STAMP)
	@test -f $(BUILD)/model.tar.gz || $(MAKE) train
	$(BIN)/python -m offline.rehearsal --stack dev --stack staging --stack prod

# A local AWS emulator on 127.0.0.1:4566 for `pulumi up --stack local` (needs the Pulumi CLI).
emulator: $(STAMP)
	$(BIN)/python -m offline.emulator --port 4566

dashboard: $(STAMP)
	$(BIN)/python -m monitoring.render --out $(BUILD)/dashboard.png
	$(BIN)/python -m monitoring.render --serverless --environment dev --endpoint-name sagemaker-mlops-dev \
		--out $(BUILD)/dashboard-serverless.png

# Review before apply, offline: committed plan snapshots, the plan diff against them (exit 3 = a
# dangerous change), the policy pack over every stack, the monthly cost of one stack.
snapshot: $(STAMP)
	$(BIN)/python -m review.snapshot --write

plan-diff: $(STAMP)
	$(BIN)/python -m review.diff

policy: $(STAMP)
	$(BIN)/python -m policy.check

# COST_ARGS: e.g. --set 'mlops:network={mode: create}' to price a network the stack does not have by default.
COST_ARGS ?=
cost: $(STAMP)
	$(BIN)/python -m review.cost --stack $(STACK) $(COST_ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest

check: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/mypy containers bench

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(BUILD)
