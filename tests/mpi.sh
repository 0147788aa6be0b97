#!/usr/bin/env bash
# make test-mpi: data-parallel training and sweeps across processes.
#   1. examples/mpi_train: 20 steps of the paper's model with the global batch split over 2 ranks give the
#      losses and accuracies of the single-process run (the library without the hook) to float tolerance.
#   2. examples/sweep, with MPI on 2 ranks and without MPI in one process: a sweep killed part-way and
#      started again with the same command (after a torn row is appended, as a kill during a write would
#      leave) ends with the rows of an uninterrupted sweep - the same runs, each once, with the same values.
# Prints "N passed, N failed"; exit status 1 if any failed. Needs build/mpi_train, build/sweep, build/sweep_mpi.
set -u
cd "$(dirname "$0")/.."
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
mpirun=(mpirun --oversubscribe -np)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }

# ---- 1. two ranks train as one process ----
if "${mpirun[@]}" 1 build/mpi_train --steps 20 --log "$tmp/np1.log" > "$tmp/np1.out" 2>&1 &&
   "${mpirun[@]}" 2 build/mpi_train --steps 20 --log "$tmp/np2.log" > "$tmp/np2.out" 2>&1; then
  tail -1 "$tmp/np1.out"; tail -1 "$tmp/np2.out"
  if paste "$tmp/np1.log" "$tmp/np2.log" | awk '
      { n++; d = $2 - $5; if (d < 0) d = -d; r = d / $2; if (r > m) m = r; a = $3 - $6; if (a < 0) a = -a; if (a > ma) ma = a }
      END { printf("    %d steps: losses within %.2g relative, accuracies within %.2g\n", n, m, ma); exit !(n == 20 && m < 1e-5 && ma <= 1.0 / 512) }'; then
    ok "two_ranks_train_like_one_process"
  else bad "two_ranks_train_like_one_process"; fi
else
  cat "$tmp/np1.out" "$tmp/np2.out" 2>/dev/null | tail -20
  bad "two_ranks_train_like_one_process (a run failed)"
fi

# ---- 2. a killed sweep resumes to the uninterrupted sweep's rows ----
rows() { tail -n +2 "$1" | sed 's/,[^,]*$//' | sort; } # without the header and the seconds column
sweep_resumes() { # name launcher...
  local name=$1; shift
  local args=(--rules 3 --seeds 3 --epochs 1 --train 1024 --quiet)
  local full="$tmp/$name-full.csv" part="$tmp/$name-part.csv" pid n
  "$@" "${args[@]}" --csv "$full" > "$tmp/$name-full.out" 2>&1 || { tail "$tmp/$name-full.out"; bad "${name}_sweep_resumes_after_a_kill (the full sweep failed)"; return; }
  setsid "$@" "${args[@]}" --csv "$part" > "$tmp/$name-part.out" 2>&1 &
  pid=$!
  for _ in $(seq 600); do # until 4 of the 15 rows are written
    n=$( [ -f "$part" ] && tail -n +2 "$part" | wc -l || echo 0)
    [ "$n" -ge 4 ] && break
    sleep 0.05
  done
  # every process of the sweep: mpirun's group and the ranks it started (a killed job leaves none behind)
  kill -KILL -- -"$pid" 2>/dev/null; pkill -KILL -f -- "--csv $part" 2>/dev/null; wait "$pid" 2>/dev/null
  while pgrep -f -- "--csv $part" > /dev/null; do sleep 0.05; done
  n=$(tail -n +2 "$part" | wc -l)
  printf 'anderson,dW3,0.1,2,2,2.4' >> "$part" # a torn row, as a kill during a write leaves it
  "$@" "${args[@]}" --csv "$part" > "$tmp/$name-resume.out" 2>&1 || { tail "$tmp/$name-resume.out"; bad "${name}_sweep_resumes_after_a_kill (the resumed sweep failed)"; return; }
  head -1 "$tmp/$name-resume.out"
  if [ "$n" -ge 4 ] && [ "$n" -lt 15 ] && diff <(rows "$full") <(rows "$part") > "$tmp/$name.diff" && [ "$(rows "$part" | wc -l)" -eq 15 ]; then
    echo "    killed after $n of 15 rows; the resumed CSV holds the uninterrupted sweep's 15 rows"
    ok "${name}_sweep_resumes_after_a_kill"
  else
    echo "    killed after $n rows"; head -20 "$tmp/$name.diff"
    bad "${name}_sweep_resumes_after_a_kill"
  fi
  # everything done: a third start runs nothing and changes nothing
  cp "$part" "$tmp/$name-before.csv"
  "$@" "${args[@]}" --csv "$part" > "$tmp/$name-again.out" 2>&1
  if cmp -s "$part" "$tmp/$name-before.csv" && grep -q "15 runs (15 done before)" "$tmp/$name-again.out"; then ok "${name}_finished_sweep_runs_nothing"
  else tail -3 "$tmp/$name-again.out"; bad "${name}_finished_sweep_runs_nothing"; fi
}
sweep_resumes one_process build/sweep
sweep_resumes two_ranks "${mpirun[@]}" 2 build/sweep_mpi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
