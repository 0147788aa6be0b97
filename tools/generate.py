#!/usr/bin/env python3
"""Writes fixpoint.h from src/fixpoint.in.h.

The source holds the float and double code once: every block between a /*@typed*/ line and an
/*@end*/ line is written twice, first for float (suffix _f32), then for double (_f64), with
    FP__F(name) -> fp_name_f32      FP__I(name) -> fp__name_f32     FP__T -> float
and the other per-type spellings of TYPES below; `#if FP__BITS == 32` / `== 64` blocks keep the branch of
the instance (a condition `FP__BITS == 32 && rest` becomes `#if rest`). Every macro a typed block
defines is #undef'd at the end of its instance, so nothing leaks from one instance into the next or into
the user's code. Everything outside the typed blocks is copied as it is.

Usage: tools/generate.py [SOURCE [OUTPUT]]; --check compares instead of writing (exit status 1 when the
shipped header is stale).
"""
import re
import sys

TYPES = {
    32: {'FP__T': 'float', 'FP__SQRT': 'sqrtf', 'FP__FABS': 'fabsf', 'FP__EPS': 'FLT_EPSILON',
         'FP__MAXV': 'FLT_MAX', 'FP__MINV': 'FLT_MIN', 'FP__TANH': 'tanhf', 'FP__EXP': 'expf', 'FP__LOG1P': 'log1pf',
         'FP__LOG': 'logf', 'FP__FMA': 'fmaf', 'FP__A2VL': '8', 'FP__A5VL': '16'},
    64: {'FP__T': 'double', 'FP__SQRT': 'sqrt', 'FP__FABS': 'fabs', 'FP__EPS': 'DBL_EPSILON',
         'FP__MAXV': 'DBL_MAX', 'FP__MINV': 'DBL_MIN', 'FP__TANH': 'tanh', 'FP__EXP': 'exp', 'FP__LOG1P': 'log1p',
         'FP__LOG': 'log', 'FP__FMA': 'fma', 'FP__A2VL': '4', 'FP__A5VL': '8'},
}
COND = re.compile(r'^#\s*if\s+FP__BITS\s*==\s*(32|64)\s*(?:(&&)\s*(.*?))?\s*(/\*.*\*/)?\s*$')


def resolve_bits(lines, bits):
    """Keeps the branches of #if FP__BITS == NN blocks that belong to this instance."""
    out, i = [], 0
    while i < len(lines):
        m = COND.match(lines[i])
        if not m:
            out.append(lines[i])
            i += 1
            continue
        # find the matching #else / #endif at this depth
        depth, j, els = 0, i + 1, None
        while True:
            t = lines[j].lstrip()
            if t.startswith('#if'):
                depth += 1
            elif t.startswith('#endif'):
                if depth == 0:
                    break
                depth -= 1
            elif t.startswith('#else') and depth == 0:
                els = j
            j += 1
        then = lines[i + 1:els if els is not None else j]
        other = lines[els + 1:j] if els is not None else []
        match = int(m.group(1)) == bits
        if m.group(2):  # compound: FP__BITS == NN && rest
            if match:
                out.append('#if ' + m.group(3))
                out.extend(resolve_bits(then, bits))
                if els is not None:
                    out.append('#else')
                    out.extend(resolve_bits(other, bits))
                out.append('#endif')
            else:
                out.extend(resolve_bits(other, bits))
        else:
            out.extend(resolve_bits(then if match else other, bits))
        i = j + 1
    return out


def instantiate(block, bits):
    sfx = '_f%d' % bits
    text = '\n'.join(resolve_bits(block.split('\n'), bits))
    text = re.sub(r'\bFP__F\((\w+)\)', lambda m: 'fp_' + m.group(1) + sfx, text)
    text = re.sub(r'\bFP__I\((\w+)\)', lambda m: 'fp__' + m.group(1) + sfx, text)
    for k, v in TYPES[bits].items():
        text = re.sub(r'\b%s\b' % k, v, text)
    assert 'FP__BITS' not in text, 'FP__BITS left in a typed block: write sizeof(FP__T) in code'
    defined = []
    for m in re.finditer(r'^#\s*define\s+(\w+)', text, re.M):
        if m.group(1) not in defined:
            defined.append(m.group(1))
    undefined = set(re.findall(r'^#\s*undef\s+(\w+)', text, re.M))
    left = [d for d in defined if d not in undefined]
    if left:
        text = text.rstrip('\n') + '\n' + ''.join('#undef %s\n' % d for d in left)
    return text.rstrip('\n') + '\n'


def generate(src):
    out, pos = [], 0
    pat = re.compile(r'^/\*@typed\*/\n(.*?)^/\*@end\*/\n', re.S | re.M)
    for m in pat.finditer(src):
        out.append(src[pos:m.start()])
        out.append(instantiate(m.group(1), 32))
        out.append('\n')
        out.append(instantiate(m.group(1), 64))
        pos = m.end()
    out.append(src[pos:])
    text = ''.join(out)
    assert '/*@' not in text, 'an unmatched typed-block marker'
    return text


def main(argv):
    check = '--check' in argv
    args = [a for a in argv if a != '--check']
    src = args[0] if args else 'src/fixpoint.in.h'
    dst = args[1] if len(args) > 1 else 'fixpoint.h'
    text = generate(open(src).read())
    if check:
        try:
            cur = open(dst).read()
        except OSError:
            cur = None
        if cur != text:
            sys.stderr.write('%s is stale: run `make header` (tools/generate.py) and commit it\n' % dst)
            return 1
        return 0
    with open(dst, 'w') as f:
        f.write(text)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
