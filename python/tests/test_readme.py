"""The README's Python example runs as printed, against the package in this tree."""
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))


def test_readme_example_runs():
    with open(os.path.join(ROOT, 'README.md')) as f:
        blocks = re.findall(r'```python\n(.*?)```', f.read(), re.S)
    assert blocks, 'README.md has no python block'
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, 'python'))
    res = subprocess.run([sys.executable, '-c', blocks[0]], env=env, capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    iterations, loss, stable = res.stdout.split()
    assert int(iterations) > 0 and float(loss) > 0 and stable == 'True'
