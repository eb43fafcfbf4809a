#!/usr/bin/env sh
# Prints a Python >= 3.12 interpreter command, or fails with a clear message.
# On machines with pyenv the plain `python3` may be older; pyenv's shims need PYENV_VERSION.
ok() { "$@" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }
for py in python3.13 python3.12 python3; do
  if command -v "$py" >/dev/null 2>&1 && ok "$py"; then command -v "$py"; exit 0; fi
done
if command -v pyenv >/dev/null 2>&1; then
  for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.(1[2-9])' | sort -rV); do
    p="$(pyenv root)/versions/$v/bin/python3"
    if [ -x "$p" ] && ok "$p"; then echo "$p"; exit 0; fi
  done
fi
echo "gongzhi needs Python 3.12 or newer (Django 6). Install python3.12+ and run again." >&2
exit 1
