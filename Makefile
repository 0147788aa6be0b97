# fixpoint.h - build, test, benchmark. `make test` needs only a C compiler.
CC      ?= cc
CFLAGS  ?= -O2 -g
STRICT  := -std=c99 -Wall -Wextra -Wpedantic -Wshadow -Wconversion
TESTSRC := tests/main.c tests/impl.c tests/test_core.c tests/test_solvers.c tests/test_eig.c tests/test_rules.c tests/test_feedback.c tests/test_stability.c tests/test_faults.c tests/test_checkpoints.c tests/test_reports.c tests/test_oom.c tests/test_contracts.c tests/test_analysis_contracts.c tests/test_api.c tests/test_factor.c tests/test_fuzz.c tests/test_workers.c tests/fuzz/targets.c
BUILD   := build

SHELL := /bin/bash
.PHONY: python test-python test-python-install bench-python header check-generated test-api install test-install soak fuzz all test test-isa test-nosimd test-examples tsan test-blis test-omp sanitize valgrind check-header bench bench-quick bench-results examples examples-installed run data-full deps clean

all: test

$(BUILD):
	@mkdir -p $(BUILD)

# The header itself must be warning-free under the strict flags (C99, and C++ when a compiler exists).
# fixpoint.h is generated: src/fixpoint.in.h holds the float and double code once, tools/generate.py writes
# each typed block twice with literal names (fp_solve_f32, fp_solve_f64) so grep, ctags and debuggers see them.
header:
	python3 tools/generate.py

check-generated:
	python3 tools/generate.py --check

# The header checks rerun only when the header (or its source) changes, once per compiler.
HDR_STAMP := $(BUILD)/check-header.$(notdir $(CC)).stamp
check-header: $(HDR_STAMP)
$(HDR_STAMP): fixpoint.h src/fixpoint.in.h tools/generate.py | $(BUILD)
	@if command -v python3 >/dev/null 2>&1; then python3 tools/generate.py --check && echo "fixpoint.h is up to date with src/fixpoint.in.h"; fi
	@printf '#define FIXPOINT_IMPLEMENTATION\n#include "../fixpoint.h"\nint main(void){return 0;}\n' > $(BUILD)/hdr.c
	$(CC) $(STRICT) -Werror -O2 -c $(BUILD)/hdr.c -o $(BUILD)/hdr.o
	$(CC) $(STRICT) -Werror -O2 -DFP_NO_SIMD -DFP_STATIC -c $(BUILD)/hdr.c -o $(BUILD)/hdr_nosimd.o
	$(CC) $(STRICT) -Werror -O0 -c $(BUILD)/hdr.c -o $(BUILD)/hdr_O0.o
	$(CC) $(STRICT) -Werror -O2 -DFP_NO_STDIO -c $(BUILD)/hdr.c -o $(BUILD)/hdr_nostdio.o
	@sed -n '/^ \*   #define FIXPOINT_IMPLEMENTATION$$/,/^ \*   }$$/p' fixpoint.h | sed 's/^ \*   //' > $(BUILD)/manual_example.c
	$(CC) $(STRICT) -Werror -I. -o $(BUILD)/manual_example $(BUILD)/manual_example.c -lm
	./$(BUILD)/manual_example
	@if $(CC) -O2 -ffast-math -c $(BUILD)/hdr.c -o $(BUILD)/hdr_fast.o 2>$(BUILD)/hdr_fast.err; then \
	  echo "the implementation compiled under -ffast-math: its NaN checks would be gone"; exit 1; fi; \
	  grep -q 'cannot be compiled with -ffast-math' $(BUILD)/hdr_fast.err && echo "-ffast-math refused with its message"
	@if command -v $(CXX) >/dev/null 2>&1; then cp $(BUILD)/hdr.c $(BUILD)/hdr.cpp && \
	  echo "$(CXX) header check" && $(CXX) -x c++ -std=c++11 -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Werror -O2 -c $(BUILD)/hdr.cpp -o $(BUILD)/hdr_cpp.o; fi
	@touch $@

$(BUILD)/tests: $(TESTSRC) tests/harness.h tests/util.h tests/alloc.h tests/dataset.h tests/fuzz/targets.h fixpoint.h | $(BUILD)
	$(CC) $(CFLAGS) -std=c99 -Wall -Wextra -o $@ $(TESTSRC) -lm

# The README's test command.
test: check-header test-api $(BUILD)/tests
	./$(BUILD)/tests

# The Python package (python/fixpoint): the shared library and the declarations cffi reads, written beside
# the package so `PYTHONPATH=python` and `pip install ./python` both find them. PYTHON: the first
# interpreter that has NumPy and cffi (Debian: python3-numpy, python3-cffi, python3-pytest).
PYTHON ?= $(shell for p in python3 /usr/bin/python3; do $$p -c 'import numpy, cffi' 2>/dev/null && { echo $$p; break; }; done)
python: python/fixpoint/libfixpoint.so python/fixpoint/_cdef.h
python/fixpoint/libfixpoint.so: fixpoint.h python/fixpoint/_native.c
	$(CC) -O2 -std=c11 -shared -fPIC -I. -o $@ python/fixpoint/_native.c -lm
python/fixpoint/_cdef.h: fixpoint.h python/tools/cdef.py
	python3 python/tools/cdef.py fixpoint.h $@ "$(CC) -E"
test-python: python
	@if [ -z "$(PYTHON)" ]; then echo "test-python: no python3 with numpy and cffi (make deps installs them)"; exit 1; fi
	$(PYTHON) -m pytest -q python/tests
# pip install into a fresh virtual environment (offline: --no-build-isolation uses the system's setuptools),
# then the README's example from another folder against the installed copy.
test-python-install: python
	rm -rf $(BUILD)/venv && mkdir -p $(BUILD) && $(PYTHON) -m venv --system-site-packages $(BUILD)/venv
	$(BUILD)/venv/bin/pip install -q --no-build-isolation ./python && rm -rf python/*.egg-info python/build
	sed -n '/^```python/,/^```$$/p' README.md | sed '1d;$$d' > $(BUILD)/venv/readme_example.py
	cd $(BUILD)/venv && ./bin/python -c 'import fixpoint, sys; sys.exit("not the installed copy" if "venv" not in fixpoint.__file__ else 0)'
	cd $(BUILD)/venv && ./bin/python readme_example.py

# Every public function under its literal name: addresses taken (C and C++), each one documented in docs/API.md.
API_STAMP := $(BUILD)/test-api.$(notdir $(CC)).stamp
test-api: $(API_STAMP)
$(API_STAMP): fixpoint.h docs/API.md tests/api_symbols.sh | $(BUILD)
	CC=$(CC) CXX=$(CXX) sh tests/api_symbols.sh $(BUILD)
	@touch $@

# The suite on each kernel path in turn (FP_ISA caps the path; `tests --isa` prints the one in force, so a
# path this CPU lacks is named and skipped), then a build with no SIMD code at all.
ISAS := scalar avx2 avx512
test-isa: $(BUILD)/tests
	@fail=0; for isa in $(ISAS); do \
	  got=$$(FP_ISA=$$isa ./$(BUILD)/tests --isa); \
	  if [ "$$got" != "$$isa" ]; then echo "FP_ISA=$$isa: skipped, this CPU or build has no $$isa path (best: $$got)"; continue; fi; \
	  FP_ISA=$$isa ./$(BUILD)/tests > $(BUILD)/tests-$$isa.log 2>&1 || fail=1; \
	  grep -E '^FAIL|check failed|unexpected FP_ASSERT|left the kernel path' $(BUILD)/tests-$$isa.log; \
	  echo "FP_ISA=$$isa: $$(tail -n 1 $(BUILD)/tests-$$isa.log)  (log: $(BUILD)/tests-$$isa.log)"; \
	done; exit $$fail

# The scalar-only build; and a build without the AVX2 path, capped at it: the path in force must be one
# the build has (on an AVX-512 CPU; elsewhere it runs the scalar path again)
test-nosimd: | $(BUILD)
	$(CC) $(CFLAGS) -std=c99 -Wall -Wextra -DFP_NO_SIMD -o $(BUILD)/tests_nosimd $(TESTSRC) -lm
	./$(BUILD)/tests_nosimd
	$(CC) $(CFLAGS) -std=c99 -Wall -Wextra -DFP_NO_AVX2 -o $(BUILD)/tests_noavx2 $(TESTSRC) -lm
	FP_ISA=avx2 ./$(BUILD)/tests_noavx2

# The examples that read data: a data error (a test set whose image size differs from the training set's,
# a label count or label that does not fit) is a message and exit status 1, not an abort.
test-examples: | $(BUILD)
	bash tests/examples.sh

# Two threads train and solve at once, each on its own data, under ThreadSanitizer: no data race, and
# results equal to a single-threaded run's bit for bit.
tsan: | $(BUILD)
	clang -O1 -g -fsanitize=thread -std=c99 -D_POSIX_C_SOURCE=200112L tests/threads.c -o $(BUILD)/threads_tsan -lm -lpthread && \
	  TSAN_OPTIONS=halt_on_error=1 ./$(BUILD)/threads_tsan

# Data-parallel training over MPI (2 ranks equal 1 process over 20 steps) and sweeps that resume after a
# kill (with MPI and without): tests/mpi.sh. Needs Open MPI (Debian: libopenmpi-dev openmpi-bin); without
# mpicc it says so and passes.
test-mpi: | $(BUILD)
	@if ! command -v mpicc > /dev/null || ! command -v mpirun > /dev/null; then \
	  echo "test-mpi: skipped: mpicc or mpirun not found (Debian: apt-get install libopenmpi-dev openmpi-bin)"; exit 0; fi; \
	set -e; \
	echo "mpicc -O2 -std=c99 -I. -o $(BUILD)/mpi_train examples/mpi_train.c -lm"; \
	mpicc -O2 -std=c99 -Wall -Wextra -I. -o $(BUILD)/mpi_train examples/mpi_train.c -lm; \
	echo "mpicc -O2 -std=c99 -DSWEEP_MPI -I. -o $(BUILD)/sweep_mpi examples/sweep.c -lm"; \
	mpicc -O2 -std=c99 -Wall -Wextra -DSWEEP_MPI -I. -o $(BUILD)/sweep_mpi examples/sweep.c -lm; \
	$(CC) -O2 -std=c99 -Wall -Wextra -I. -o $(BUILD)/sweep examples/sweep.c -lm; \
	bash tests/mpi.sh

test-blis: | $(BUILD)
	$(CC) $(CFLAGS) -std=c99 -Wall -Wextra -DFIXPOINT_USE_BLIS -o $(BUILD)/tests_blis $(TESTSRC) -lblis -lm
	./$(BUILD)/tests_blis

test-omp: | $(BUILD)
	$(CC) $(CFLAGS) -std=c99 -Wall -Wextra -fopenmp -o $(BUILD)/tests_omp $(TESTSRC) -lm
	OMP_NUM_THREADS=2 ./$(BUILD)/tests_omp
	$(CC) $(CFLAGS) -std=c99 -Wall -Wextra -fopenmp -DFP_MAX_THREADS=128 -o $(BUILD)/workspace_threads tests/workspace_threads.c -lm
	./$(BUILD)/workspace_threads

sanitize: | $(BUILD)
	$(CC) -O1 -g -std=c99 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
	  -o $(BUILD)/tests_san $(TESTSRC) -lm
	./$(BUILD)/tests_san

valgrind: $(BUILD)/tests
	valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite ./$(BUILD)/tests

# libFuzzer (clang): each target runs FUZZ_SECONDS from the committed corpus; what it finds new is
# merged back (minimized) into tests/fuzz/corpus, which `make test` replays. FUZZ_RUNS (with a fixed
# seed) replaces the time limit by an execution count: the same inputs every time (CI uses it).
FUZZ_SECONDS ?= 60
FUZZ_RUNS ?=
FUZZ_LIMIT = $(if $(FUZZ_RUNS),-runs=$(FUZZ_RUNS) -seed=1,-max_total_time=$(FUZZ_SECONDS))
FUZZ_TARGETS := idx layer solve rules eig meanfield
FUZZ_MERGE ?= 1
fuzz: | $(BUILD)
	@for t in $(FUZZ_TARGETS); do \
	  clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -DFPT_TARGET=fpt_fuzz_$$t \
	    -o $(BUILD)/fuzz_$$t tests/fuzz/fuzz_main.c tests/fuzz/targets.c tests/fuzz/fuzz_impl.c -lm || exit 1; \
	  rm -rf $(BUILD)/fuzz-corpus/$$t; mkdir -p $(BUILD)/fuzz-corpus/$$t; cp tests/fuzz/corpus/$$t/* $(BUILD)/fuzz-corpus/$$t/; \
	  echo "== fuzz $$t ($(FUZZ_LIMIT))"; \
	  ./$(BUILD)/fuzz_$$t $(FUZZ_LIMIT) -max_len=4096 -print_final_stats=1 $(BUILD)/fuzz-corpus/$$t \
	    2>&1 | grep -E 'stat::number_of_executed_units|stat::average_exec_per_sec|ERROR|SUMMARY|Done' ; \
	  test $${PIPESTATUS[0]} -eq 0 || exit 1; \
	  if [ "$(FUZZ_MERGE)" = 1 ]; then ./$(BUILD)/fuzz_$$t -merge=1 tests/fuzz/corpus/$$t $(BUILD)/fuzz-corpus/$$t >/dev/null 2>&1 || exit 1; fi; \
	done

# A long run: 100000 training steps with checkpoints that must replay bit for bit, memory flat.
SOAK_STEPS ?= 100000
soak: | $(BUILD)
	$(CC) -O2 -std=c99 -Wall -Wextra -o $(BUILD)/soak tests/soak.c -lm
	./$(BUILD)/soak $(SOAK_STEPS)

# Results go to build/bench/results; only bench-results rewrites the committed bench/results/.
bench:
	bash bench/run.sh full

bench-quick:
	bash bench/run.sh quick

bench-results:
	BENCH_OUT=bench/results bash bench/run.sh full

# Threads and processes (bench/threads.sh): solves and training steps at 1 and 2 OpenMP threads beside PyTorch's,
# and examples/mpi_train on 1 and 2 MPI ranks; into bench/results/RESULTS.md. Run it on an idle machine.
bench-threads: | $(BUILD)
	BENCH_OUT=bench/results bash bench/threads.sh

# The Python package against PyTorch in one process (solve and a dW3 step, N = 256 / B = 64 and N = 300 /
# B = 512), and a Python call's overhead over the same C call (bench/call_overhead.c, linked against the
# package's library): writes $(BENCH_PY_OUT)/python.md and puts it into $(BENCH_PY_OUT)/RESULTS.md. Needs
# torch beside NumPy and cffi (make deps); waits for a quiet machine first (no compiler running).
# BENCH_PY_ARGS: more options (--quick: a smoke test; --reps, --cpu, --wait; see the script's --help).
BENCH_PY_OUT ?= bench/results
BENCH_PY_ARGS ?=
bench-python: python | $(BUILD)
	@if [ -z "$(PYTHON)" ]; then echo "bench-python: no python3 with numpy and cffi (make deps installs them)"; exit 1; fi
	@mkdir -p $(BUILD)/bench
	$(CC) -O2 -std=c99 -Wall -Wextra -I. -o $(BUILD)/bench/call_overhead bench/call_overhead.c \
	  -Lpython/fixpoint -lfixpoint -Wl,-rpath,$(CURDIR)/python/fixpoint -lm
	PYTHONPATH=python $(PYTHON) bench/python_vs_torch.py --call-overhead $(BUILD)/bench/call_overhead --out $(BENCH_PY_OUT) $(BENCH_PY_ARGS)

# (mpi_train needs MPI: make test-mpi builds it with mpicc)
examples: | $(BUILD)
	@for f in examples/*.c; do b=$(BUILD)/$$(basename $$f .c); [ $$f = examples/mpi_train.c ] && continue; \
	  echo "$(CC) -O2 -std=c99 -I. -o $$b $$f -lm"; $(CC) -O2 -std=c99 -I. -o $$b $$f -lm || exit 1; done

# Every example built against an installed header only: copies of the sources in a folder without
# fixpoint.h, the include path from pkg-config; each copy must then answer --help.
examples-installed: | $(BUILD)
	$(MAKE) -s install PREFIX=$(CURDIR)/$(BUILD)/prefix
	rm -rf $(BUILD)/outside-examples && mkdir -p $(BUILD)/outside-examples
	cp examples/*.c examples/*.h $(BUILD)/outside-examples/
	cd $(BUILD)/outside-examples && export PKG_CONFIG_PATH=$(CURDIR)/$(BUILD)/prefix/lib/pkgconfig && \
	  for f in *.c; do b=$${f%.c}; [ $$f = mpi_train.c ] && continue; echo "$(CC) -O2 -std=c99 $$(pkg-config --cflags fixpoint) -o $$b $$f $$(pkg-config --libs fixpoint)"; \
	    $(CC) -O2 -std=c99 $$(pkg-config --cflags fixpoint) -o $$b $$f $$(pkg-config --libs fixpoint) && ./$$b --help > /dev/null || exit 1; done

# The main job: the training example on the embedded default data (plot when gnuplot is there).
run: | $(BUILD)
	$(CC) -O2 -std=c99 -I. -o $(BUILD)/compare_rules examples/compare_rules.c -lm
	./$(BUILD)/compare_rules
	@if command -v gnuplot >/dev/null 2>&1; then gnuplot -e "datafile='$(BUILD)/compare_rules.dat'; outfile='$(BUILD)/compare_rules.png'" \
	  examples/compare_rules.gp 2>/dev/null && echo "plot: $(BUILD)/compare_rules.png"; fi

# Full Fashion-MNIST as raw IDX files (from Debian's dataset-fashion-mnist) for --data build/fashion-mnist.
data-full: | $(BUILD)
	@mkdir -p $(BUILD)/fashion-mnist
	for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do \
	  gunzip -c /usr/share/datasets/fashion-mnist/$$f.gz > $(BUILD)/fashion-mnist/$$f || exit 1; done

# Installs the header, a pkg-config file and the docs: cc $(pkg-config --cflags fixpoint) app.c $(pkg-config --libs fixpoint)
PREFIX ?= /usr/local
VERSION := $(shell sed -n 's/^\#define FP_VERSION_STRING "\(.*\)"/\1/p' fixpoint.h)
install:
	install -d $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/share/doc/fixpoint
	install -m 644 fixpoint.h $(DESTDIR)$(PREFIX)/include/fixpoint.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' fixpoint.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/fixpoint.pc
	install -m 644 README.md CHANGELOG.md LICENSE docs/THEORY.md docs/API.md $(DESTDIR)$(PREFIX)/share/doc/fixpoint/

# Installs into a scratch prefix; builds docs/API.md's example outside the repository against it with pkg-config
# (its output must be the one the reference shows), then every example against the installed header alone.
test-install: | $(BUILD)
	rm -rf $(BUILD)/prefix $(BUILD)/outside && mkdir -p $(BUILD)/outside
	$(MAKE) -s install PREFIX=$(CURDIR)/$(BUILD)/prefix
	awk '/^## 2. A complete example/ { on = 1 } on && /^```c$$/ { c = 1; next } c && /^```$$/ { exit } c' docs/API.md > $(BUILD)/outside/app.c
	awk '/^## 2. A complete example/ { on = 1 } on && /^It prints/ { p = 1 } p && /^```$$/ { n++; next } p && n == 1' docs/API.md > $(BUILD)/outside/expected.txt
	cd $(BUILD)/outside && PKG_CONFIG_PATH=$(CURDIR)/$(BUILD)/prefix/lib/pkgconfig sh -c 'cc -std=c99 -O2 $$(pkg-config --cflags fixpoint) app.c -o app $$(pkg-config --libs fixpoint)' && ./app > got.txt && diff expected.txt got.txt && echo "docs/API.md's example builds outside the repository against the installed header and prints what the reference says"
	$(MAKE) -s examples-installed

deps:
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y libblis-dev libopenblas-dev hyperfine gnuplot-nox \
	  dataset-fashion-mnist valgrind clang python3 pkg-config python3-torch python3-numpy python3-cffi python3-pytest python3-pip python3-venv \
	  libopenmpi-dev openmpi-bin procps

clean:
	rm -rf $(BUILD) python/fixpoint/libfixpoint.so python/fixpoint/_cdef.h python/*.egg-info python/build
