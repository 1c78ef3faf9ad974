#!/usr/bin/env bash
# Builds the native core and its C++ tests with AddressSanitizer + UndefinedBehaviorSanitizer
# (LeakSanitizer included) in build-asan/, then runs them with ctest. CI runs this script.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=build-asan
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DB2BUA_NATIVE_TESTS=ON -DB2BUA_NATIVE_TOOLS=OFF \
  -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
cmake --build "$BUILD" -j"$(nproc)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
  ctest --test-dir "$BUILD" --output-on-failure
