# review-triage: every entry point a newcomer, CI and a data scientist need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The browser tests drive the system Chromium (Debian's package), never a downloaded one.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
SAMPLE := "Your courier lost our pallet again and now the customer is threatening to sue us."

.PHONY: setup browser java backfill embeddings run train classify mlflow-ui lint format typecheck test bench-quality clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP) ## create .venv and install the project with its dev tools

browser: ## install Debian's chromium for the browser tests, unless it is there
	command -v chromium >/dev/null || { $(SUDO) apt-get update \
		&& DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y chromium; }

# Spark (triage backfill and its tests) runs on Java 17: Debian's JRE, unless java is there.
java: ## install Debian's Java 17 runtime for Spark, unless java is there
	command -v java >/dev/null || { $(SUDO) apt-get update \
		&& DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y openjdk-17-jre-headless; }

# make backfill IN=history.csv OUT=var/backfill [ARGS="--master local[2] --format jsonl"]
backfill: setup java ## re-score a history file on Spark with the champion
	$(BIN)/triage backfill $(IN) $(OUT) $(ARGS)

run: setup ## main job: train the default model if none exists, migrate the database, serve
	$(BIN)/triage fetch-embeddings --configured
	$(BIN)/triage train --if-missing
	$(BIN)/triage serve

classify: setup ## classify a sample text on the command line
	$(BIN)/triage classify $(SAMPLE) --source trustpilot --rating 1

train: setup ## (re)train the default model on data/
	$(BIN)/triage fetch-embeddings --configured
	$(BIN)/triage train

# One web worker and no GenAI job consumers: 2 processes (~0.5 GB) instead of 14 (~2.7 GB).
MLFLOW_UI_PORT ?= 5000
mlflow-ui: setup ## browse the default MLflow store, light: http://127.0.0.1:5000
	@echo "open http://127.0.0.1:$(MLFLOW_UI_PORT)/#/experiments/1?workflowType=machine_learning (runs, not the GenAI overview)"
	MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false $(BIN)/mlflow server \
		--backend-store-uri sqlite:///var/mlflow/mlflow.db \
		--host 127.0.0.1 --port $(MLFLOW_UI_PORT) --workers 1

lint: setup ## ruff, and the import layers (pyproject.toml's [tool.importlinter])
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: setup
	$(BIN)/mypy

embeddings: setup ## fetch the sentence encoders of tfidf_minilm and tfidf_static (about 100 MB, once)
	$(BIN)/triage fetch-embeddings

test: setup browser java embeddings lint typecheck ## lint, type-check and run every test, in the browser too
	$(BIN)/python -m pytest

bench-quality: setup embeddings ## public-data quality benchmark (BANKING77, CLINC150)
	$(BIN)/python -m benchmarks.public_quality

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache test-artifacts
