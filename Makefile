.PHONY: run test ci lint bench

run:
	scripts/run.sh

test:
	scripts/test.sh

ci:
	bash .ci/run

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
