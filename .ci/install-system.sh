#!/usr/bin/env bash
# Idempotent, non-interactive install of the Debian packages the tests need: munge and SLURM
# (slurmctld, slurmd, clients) for the single-node cluster of tests/test_slurm.py, and ffmpeg for
# the frame-extraction tests of tests/test_adapters.py. Under CI a missing one fails its tests.
set -euo pipefail

packages=(munge slurmctld slurmd slurm-client ffmpeg)

missing=()
for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
        missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

as_root=(env DEBIAN_FRONTEND=noninteractive)
[ "$(id -u)" -eq 0 ] || as_root=(sudo "${as_root[@]}")
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
