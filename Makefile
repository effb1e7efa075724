# Octavo: `make` sets everything up and builds every publication; `make test` runs the suite.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BUILD_DIR := build

# Debian packages the editions depend on: the fonts (so the layout never depends
# on what a machine happens to have), HarfBuzz's subsetter (WeasyPrint subsets
# fonts with it), Pango (WeasyPrint's text layout) and Java (EPUBCheck); and
# Chromium, the headless browser the tests open `octavo preview` in; Ghostscript's
# CMYK profile (libgs-common: the print edition's PDF/X output intent) and qpdf
# (the tests' structural check of every PDF edition); zbar-tools (zbarimg: the tests
# decode the cover spread's barcode with it, as a print shop's scanner would); Tesseract and
# its data for each script a byline may be written in (the proof reads every PDF's title,
# disclaimers and bylines back by OCR: src/octavo/ink.py, SCRIPT_DATA).
OCR_PACKAGES := tesseract-ocr tesseract-ocr-eng tesseract-ocr-kor tesseract-ocr-jpn tesseract-ocr-chi-sim tesseract-ocr-ara tesseract-ocr-fas tesseract-ocr-urd tesseract-ocr-heb tesseract-ocr-rus tesseract-ocr-ell tesseract-ocr-hin tesseract-ocr-tha
SYSTEM_PACKAGES := fonts-noto-core fonts-noto-cjk libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 default-jre-headless chromium libgs-common qpdf zbar-tools $(OCR_PACKAGES)

.PHONY: all build test test-fast durations bench conformance retail conformance-packages webcheck-packages system-packages clean help

all: build

help:
	@echo "make          set up .venv and build every publication in content/ into $(BUILD_DIR)/"
	@echo "make test     run the test suite (EPUBCheck included)"
	@echo "make test-fast  the tests measured under a second (tests/durations.json): about two minutes"
	@echo "make durations  measure every test again into tests/durations.json"
	@echo "make bench    time Octavo against pandoc and WeasyPrint; prints its targets, met or not (about 15 minutes)"
	@echo "make conformance  DAISY Ace, calibre, pandoc and the retailer check on every EPUB (installs them; minutes)"
	@echo "make retail   octavo check --retail on every EPUB in $(BUILD_DIR)/: Kindle, Kobo, Apple Books"
	@echo "make clean    remove $(BUILD_DIR)/"

system-packages:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do \
	  if [ $$p = default-jre-headless ] && command -v java >/dev/null 2>&1; then continue; fi; \
	  dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$(echo $$missing)" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

$(STAMP): pyproject.toml | system-packages
	python3 -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

# Octavo's own modules compiled to bytecode before each run, as a wheel's install would
# (an editable install does not, and where PYTHONDONTWRITEBYTECODE is set Python never
# writes them: each `octavo` command would compile every module again, 0.2 s a start).
COMPILE := $(BIN)/python -m compileall -q src >/dev/null

build: $(STAMP)
	$(COMPILE)
	$(BIN)/octavo build
	$(BIN)/octavo archive

# axe-core, the accessibility engine the web edition's tests run in Chromium
# (tests/webcheck.py; the Nu HTML checker comes with the test extra). It is an
# npm package, so it lives in .webcheck/ (git-ignored); the stamp is named
# after the version, so changing the pin installs it again. npm is installed
# from Debian where the machine has none.
AXE_CORE_VERSION := 4.14.1
AXE_CORE := .webcheck/.axe-core-$(AXE_CORE_VERSION)

$(AXE_CORE): | webcheck-packages
	npm install --no-audit --no-fund --save-exact --prefix .webcheck axe-core@$(AXE_CORE_VERSION)
	touch $(AXE_CORE)

webcheck-packages:
	@command -v npm >/dev/null 2>&1 || { \
	  echo "installing Debian packages: nodejs npm"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nodejs npm >/dev/null; }

test: $(STAMP) $(AXE_CORE)
	$(COMPILE)
	$(BIN)/pytest

# The tests measured under a second, with no slow fixture (tests/conftest.py, "test tiers"):
# the loop to run after each change. `make test` (what CI runs) runs them all.
test-fast: $(STAMP) $(AXE_CORE)
	$(COMPILE)
	$(BIN)/pytest --tier fast -q

# Measures every test and fixture again into tests/durations.json, which test-fast reads.
durations: $(STAMP) $(AXE_CORE)
	$(COMPILE)
	$(BIN)/pytest --record-durations -q

# Not a test: prints the targets (each beside its measured figure, met or not)
# and a table of timings on this machine (bench/bench.py says what each figure
# is). BENCH_ARGS picks or repeats measurements, e.g.
# `make bench BENCH_ARGS="--only long,book --long-runs 3"`. pandoc is the
# baseline and is needed only here, so it is installed here, not with
# SYSTEM_PACKAGES.
BENCH_ARGS :=
bench: $(STAMP)
	@command -v pandoc >/dev/null 2>&1 || { \
	  echo "installing pandoc (the benchmark's baseline)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq pandoc >/dev/null; }
	$(COMPILE)
	$(BIN)/python bench/bench.py $(BENCH_ARGS)

# Not part of `make test` (minutes, and big installs): every EPUB of content/ and
# of the EPUB feature fixture through DAISY Ace (npm @daisy/ace-cli, run in
# Debian's Chromium), calibre's ebook-meta and pandoc (tools/conformance.py says
# what each must find). Ace lives in .conformance/ (git-ignored).
CONFORMANCE_PACKAGES := chromium calibre pandoc
ACE_VERSION := 1.4.6
ACE := .conformance/node_modules/.bin/ace-cli

# Then the retailer check (as `make retail`) on what it built: a failure in either fails the
# target, once both have run.
conformance: $(STAMP) $(ACE)
	@status=0; \
	PUPPETEER_EXECUTABLE_PATH=/usr/bin/chromium $(BIN)/python tools/conformance.py $(ACE) $(BUILD_DIR)/conformance \
	  || status=$$?; \
	$(RETAIL_CHECK) || status=$$?; \
	exit $$status

# `octavo check --retail` on every EPUB under build/ (those of `make` and of `make conformance`):
# what Kindle, Kobo and Apple Books ask of the file, one table per EPUB (docs/editions.md, "Ready
# for the retailer"). Left out: temporaries (.<slug>.*.tmp.epub), rejected copies and the bags' copies.
RETAIL_CHECK = epubs=$$(find $(BUILD_DIR) -name '*.epub' ! -name '.*' ! -name '*.rejected.epub' ! -path '*.bag/*' \
	  2>/dev/null | sort); \
	if [ -z "$$epubs" ]; then echo "no EPUB under $(BUILD_DIR)/: run make or make conformance first"; false; \
	else $(BIN)/octavo check --retail $$epubs; fi

retail: $(STAMP)
	@$(RETAIL_CHECK)

$(ACE): | conformance-packages
	PUPPETEER_SKIP_DOWNLOAD=1 npm install --no-audit --no-fund --prefix .conformance @daisy/ace-cli@$(ACE_VERSION)

conformance-packages:
	@missing=$$(for p in $(CONFORMANCE_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	command -v npm >/dev/null 2>&1 || missing="$$missing nodejs npm"; \
	if [ -n "$$(echo $$missing)" ]; then \
	  echo "installing Debian packages:" $$missing; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

# Guarded: removes the build folder of this checkout and nothing else.
clean:
	@test -f pyproject.toml -a -d src/octavo || { echo "refusing to clean outside an Octavo checkout"; exit 1; }
	rm -rf -- ./$(BUILD_DIR)
