# Installs what `scripts/fuzz` needs: Debian's clang-16 and its libFuzzer and
# sanitizer runtimes (libclang-rt-16-dev), for the fuzz preset (build-fuzz/).
# Sourced by `scripts/setup --fuzz` (not by --servers: CI replays the fuzz
# regressions without clang); idempotent, a second run only checks.
apt_install clang-16 libclang-rt-16-dev
