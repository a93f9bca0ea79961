# Two commands for a newcomer: `make run` starts the app, `make test` runs every test.
# Both set up .venv on first use (system libraries, packages, CPU torch when there is no CUDA GPU).
VENV := .venv
PY := $(VENV)/bin/python
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup run test lint eval covers screenshot bench installer clean

setup:
	@bash scripts/setup_env.sh

run: setup
	$(PY) -m albumgen_desktop gui

test: setup
	$(PY) -m ruff check .
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# Tempo/key/metre accuracy of the audio analyser on rendered scores, beside the textbook baseline.
eval: setup
	bash scripts/eval_audio.sh

# Five contrasting sketch covers (and a contact sheet) in out/.
covers: setup
	$(PY) scripts/sketch_covers.py out

# The real window in its main states, under a virtual X display, saved to out/.
screenshot: setup
	xvfb-run -a -s "-screen 0 1280x800x24" $(PY) scripts/screenshots.py out

# Benchmarks (each prints one JSON object on its last line).
bench: setup
	$(PY) benchmarks/bench_music.py --quick
	$(PY) benchmarks/bench_cover.py --quick
	$(PY) benchmarks/bench_image.py
	xvfb-run -a -s "-screen 0 1280x800x24" $(PY) benchmarks/bench_gui.py

# A one-folder bundle in dist/albumgen/ (PyInstaller), checked with its own selftest; prints size and GUI start time.
installer: setup
	bash installer/build.sh

clean:
	rm -rf $(VENV) out build dist .pytest_cache .hypothesis
