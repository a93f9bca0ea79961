# Two commands for a newcomer: `make run` starts the app, `make test` runs every test.
# Both set up .venv on first use (system libraries, packages, CPU torch when there is no CUDA GPU).
VENV := .venv
PY := $(VENV)/bin/python
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup run test test-fast lint eval fit-tempo fit-key calibrate covers screenshot bench installer clean

setup:
	@bash scripts/setup_env.sh

# The X11 check first: when Qt's xcb plugin lacks a system library it names it (Qt's own message does not).
run: setup
	@$(PY) -m albumgen_desktop.xcb_check --quiet
	$(PY) -m albumgen_desktop gui

# The whole suite after the checks: lint, format, types (mypy, config in pyproject.toml), then every test.
test: lint
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

# The same checks and every test not marked slow (a few minutes; see CONTRIBUTING.md).
test-fast: lint
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -m "not slow"

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

# Tempo/key/metre accuracy of the audio analyser on rendered scores, beside the textbook baseline.
eval: setup
	bash scripts/eval_audio.sh

fit-tempo: setup
	bash scripts/fit_tempo.sh --write

fit-key: setup
	bash scripts/fit_key.sh --write

# The eight descriptors on a calibration set with labels known by construction (voice, audience,
# acoustic vs synth, calm vs intense, ...): per-feature error on the tuning and held-back halves, as JSON.
calibrate: setup
	bash scripts/calibrate_audio.sh 16 0

# Five contrasting sketch covers (and a contact sheet) in out/.
covers: setup
	$(PY) scripts/sketch_covers.py out

# The real window in its main states, under a virtual X display, at a laptop's and a desktop's size, in out/.
screenshot: setup
	xvfb-run -a -s "-screen 0 1366x768x24" $(PY) scripts/screenshots.py out --size 1366x768
	xvfb-run -a -s "-screen 0 1920x1080x24" $(PY) scripts/screenshots.py out --size 1920x1080

# Benchmarks (each prints one JSON object on its last line).
bench: setup
	$(PY) benchmarks/bench_music.py --quick
	$(PY) benchmarks/bench_cover.py --quick
	$(PY) benchmarks/bench_image.py
	xvfb-run -a -s "-screen 0 1366x768x24" $(PY) benchmarks/bench_gui.py

# A one-folder bundle in dist/albumgen/ (PyInstaller), checked with its own selftest; prints size and GUI start time.
installer: setup
	bash installer/build.sh

clean:
	rm -rf $(VENV) out build dist .pytest_cache .hypothesis
