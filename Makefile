.PHONY: run test

# Command one: install, migrate, load the demo county, serve on http://127.0.0.1:8000/
run:
	@bash scripts/run.sh

# Command two: install the test tools, lint, run the tests (SQLite, then PostgreSQL if TEST_DATABASE_URL is set)
test:
	@bash scripts/test.sh
