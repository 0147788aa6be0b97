#!/usr/bin/env python3
"""Writes the declarations cffi reads (python/fixpoint/_cdef.h) from fixpoint.h.

The public part of the header (up to FIXPOINT_H_INCLUDED's #endif) goes through the C preprocessor
without system headers, so the declarations cffi sees are the header's own, literally; the few
spellings cffi's parser does not take (the include lines, the extern "C" guard, FP_API's storage
class) are dropped first.

Usage: python/tools/cdef.py fixpoint.h OUTPUT [CPP]   (CPP default: cc -E)
"""
import re
import subprocess
import sys


def public_part(text):
    start = text.index('#ifndef FIXPOINT_H_INCLUDED')
    end = text.index('#endif /* FIXPOINT_H_INCLUDED */')
    body = text[start:end].splitlines()[2:]  # the guard's #ifndef and #define
    out, skip = [], 0
    for line in body:
        if line.startswith('#include'):
            continue
        if line.startswith('#ifdef __cplusplus'):
            skip = 1
            continue
        if skip:
            skip = 0 if line.startswith('#endif') else 1
            continue
        out.append(line)
    return '\n'.join(out) + '\n'


def main():
    src, dst = sys.argv[1], sys.argv[2]
    cpp = sys.argv[3].split() if len(sys.argv) > 3 else ['cc', '-E']
    with open(src) as f:
        text = public_part(f.read())
    res = subprocess.run(cpp + ['-P', '-undef', '-nostdinc', '-x', 'c', '-'], input=text,
                         capture_output=True, text=True, check=True)
    decl = res.stdout.replace('extern ', '')
    decl = re.sub(r'\n\s*\n+', '\n', decl)
    with open(dst, 'w') as f:
        f.write('/* generated from fixpoint.h by python/tools/cdef.py: do not edit */\n' + decl)


if __name__ == '__main__':
    main()
