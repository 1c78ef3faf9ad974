#include <cstdio>

#include "check.h"

int main() {
  int failed = 0;
  for (const auto& test : b2bua::test::cases()) {
    try {
      test.body();
      std::printf("ok - %s\n", test.name);
    } catch (const std::exception& error) {
      failed++;
      std::printf("not ok - %s\n  %s\n", test.name, error.what());
    }
  }
  std::printf("%zu tests, %d failed\n", b2bua::test::cases().size(), failed);
  return failed == 0 ? 0 : 1;
}
