#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The netlink spec on the host, without the module (scripts/nlspec-gen.py
# --check): valid against the kernel's genetlink-legacy schema, the
# committed kmod/nl_policy.[ch] are what it generates, and every command,
# attribute, enum and constant value is the UAPI header's. The module's
# side of the contract is selftests/nl_spec.sh, in the VM.
# the interpreter scripts/deps.sh provisions (python3-yaml, python3-jsonschema)
exec /usr/bin/python3 "$(dirname "$0")/../../scripts/nlspec-gen.py" --check
