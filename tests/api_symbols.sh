#!/bin/sh
# Every public function of fixpoint.h exists under its literal name: the names are read from the header's
# declarations (FP_API lines), a program takes the address of each - compiled as C99 and as C++ - and
# links them all; each name must also be documented in docs/API.md. Run from the repository root:
#   sh tests/api_symbols.sh [build-dir]      (CC, CXX pick the compilers)
set -u
B=${1:-build}
CC=${CC:-cc}
CXX=${CXX:-c++}
mkdir -p "$B"
names=$(grep -E '^FP_API ' fixpoint.h | sed -E 's/\(.*//; s/.*[ *]([A-Za-z_][A-Za-z_0-9]*)$/\1/' | sort -u)
count=$(printf '%s\n' "$names" | grep -c .)
failed=0
{
    printf '#define FIXPOINT_IMPLEMENTATION\n#include "fixpoint.h"\n#include <stdio.h>\n'
    printf 'typedef void (*fpt_fn)(void);\nstatic const struct { const char *name; fpt_fn fn; } syms[] = {\n'
    for n in $names; do printf '    { "%s", (fpt_fn)%s },\n' "$n" "$n"; done
    printf '};\nint main(void) {\n    size_t i, k = 0;\n'
    printf '    for (i = 0; i < sizeof syms / sizeof syms[0]; ++i) k += syms[i].fn != NULL;\n'
    printf '    printf("%%d public functions, %%d addresses taken\\n", (int)(sizeof syms / sizeof syms[0]), (int)k);\n'
    printf '    return k == sizeof syms / sizeof syms[0] ? 0 : 1;\n}\n'
} > "$B/api_symbols.c"
if $CC -std=c99 -Wall -Wextra -Wpedantic -Werror -I. -o "$B/api_symbols" "$B/api_symbols.c" -lm && "./$B/api_symbols"; then :; else
    echo "api_symbols: the C program failed"; failed=$((failed + 1)); fi
if command -v "$CXX" >/dev/null 2>&1; then
    cp "$B/api_symbols.c" "$B/api_symbols.cpp"
    if $CXX -x c++ -Wall -Wextra -Werror -I. -o "$B/api_symbols_cpp" "$B/api_symbols.cpp" -lm && "./$B/api_symbols_cpp" >/dev/null; then :; else
        echo "api_symbols: the C++ program failed"; failed=$((failed + 1)); fi
fi
missing=0
if [ -f docs/API.md ]; then
    for n in $names; do grep -q "$n" docs/API.md || { echo "not in docs/API.md: $n"; missing=$((missing + 1)); }; done
else
    echo "docs/API.md is missing"; missing=1
fi
[ "$missing" -eq 0 ] || failed=$((failed + 1))
echo "$count public functions: literal in fixpoint.h, addresses taken, documented ($missing missing)"
[ "$failed" -eq 0 ]
