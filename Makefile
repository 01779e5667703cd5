# Everything a fresh machine needs: `make demo` and `make test` create .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MANAGE := $(BIN)/python example_site/manage.py

.PHONY: venv demo test test-browser screenshots test-postgres bench bench-quick nginx chromium lint typecheck clean
.PHONY: test-wagtail74

venv: $(STAMP)

# Reinstall whenever the project's dependencies change.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: venv
	mkdir -p .demo
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo_data --simulated-subscribers 400
	$(BIN)/python example_site/run_demo.py

test: venv chromium
	$(BIN)/pytest $(PYTEST_ARGS)

# Only the real-browser tests (Debian's chromium package; screenshots land in docs/screenshots).
test-browser: venv chromium
	$(BIN)/pytest -m browser $(PYTEST_ARGS)

# Re-takes the editors' guide pictures in docs/screenshots/ (the browser tests, saving them).
screenshots: venv chromium
	PUSHSEG_DOCS_SCREENSHOTS=1 $(BIN)/pytest -m browser $(PYTEST_ARGS)

test-postgres: venv chromium
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres} $(BIN)/pytest $(PYTEST_ARGS)

# The oldest Wagtail we support (pyproject: wagtail>=7.4,<9), in a venv of its own, on SQLite.
VENV74 := .venv-wagtail74
$(VENV74)/.installed: pyproject.toml
	test -x $(VENV74)/bin/python || $(PYTHON) -m venv $(VENV74)
	$(VENV74)/bin/python -m pip install --quiet --upgrade pip
	$(VENV74)/bin/python -m pip install --quiet -e ".[dev]" "wagtail~=7.4.0"
	touch $@

test-wagtail74: $(VENV74)/.installed chromium
	$(VENV74)/bin/python -c "import wagtail; print('Wagtail', wagtail.__version__)"
	env -u DATABASE_URL $(VENV74)/bin/pytest $(PYTEST_ARGS)

bench: venv nginx
	$(BIN)/python -m benchmarks

bench-quick: venv nginx
	$(BIN)/python -m benchmarks --quick

# The cheap peer of the sender-scaling benchmark (benchmarks/nginx_peer.py); no service is
# started. Without it (no root, no apt) that peer is left out with a note.
nginx:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light >/dev/null 2>&1 || \
	  echo "nginx not installed: benchmarks.sender_scaling leaves its nginx peer out"

# The browser tests (tests/browser) drive Debian's chromium. Installed when missing and we can
# (root, or password-less sudo; apt-get); otherwise one line says why and those tests are
# skipped with that reason. PUSHSEG_CHROMIUM (another Chromium binary) skips the install.
CHROMIUM_COMMAND ?= chromium
CHROMIUM_LOG := $(VENV)/chromium-install.log
chromium:
	@if [ -n "$$PUSHSEG_CHROMIUM" ] || command -v $(CHROMIUM_COMMAND) >/dev/null 2>&1; then :; \
	else \
	  if [ "$$(id -u)" -eq 0 ]; then as_root=""; \
	  elif sudo -n true 2>/dev/null; then as_root="sudo -n"; \
	  else echo "Chromium not installed and installing it needs root (apt-get install chromium): the browser tests will be skipped"; exit 0; fi; \
	  mkdir -p $(VENV); \
	  if { $$as_root apt-get update -q && \
	       $$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; } >$(CHROMIUM_LOG) 2>&1; \
	  then echo "Installed Debian's chromium for the browser tests"; \
	  else echo "Chromium not installed: apt-get install chromium failed (see $(CHROMIUM_LOG)); the browser tests will be skipped"; fi; \
	fi

lint: venv
	$(BIN)/ruff check wagtail_pushseg tests example_site benchmarks

# mypy with the django-stubs plugin over the package ([tool.mypy] in pyproject.toml).
typecheck: venv
	$(BIN)/mypy

clean:
	rm -rf $(VENV) $(VENV74) .demo build dist *.egg-info .pytest_cache
