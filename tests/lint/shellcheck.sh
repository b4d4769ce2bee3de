#!/usr/bin/env bash
# Broken on purpose (tests/lint/README.md): unquoted expansion, unchecked cd.
dir=$1
cd $dir
rm -rf $dir/tmp
