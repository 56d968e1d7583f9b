#!/bin/sh
# Print the newest Python >= 3.12 on this machine (Django 6.1 needs 3.12+), or fail clearly.
for candidate in python3.14 python3.13 python3.12; do
    for exe in "$(command -v $candidate 2>/dev/null)" /root/.pyenv/versions/3.1[2-4]*/bin/$candidate /usr/bin/$candidate /usr/local/bin/$candidate; do
        if [ -n "$exe" ] && [ -x "$exe" ] && "$exe" -c 'import sys; assert sys.version_info >= (3, 12)' 2>/dev/null; then
            echo "$exe"
            exit 0
        fi
    done
done
# pyenv installs that are not the global version: ask pyenv directly.
if command -v pyenv >/dev/null 2>&1; then
    for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.1[2-9]' | sort -rV); do
        exe="$(pyenv root)/versions/$v/bin/python3"
        if [ -x "$exe" ]; then echo "$exe"; exit 0; fi
    done
fi
echo "error: Python 3.12 or newer is required (Django 6.1); install python3.12 or python3.13" >&2
exit 1
