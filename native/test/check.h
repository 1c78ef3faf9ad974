// A minimal test registry for the native tests (run by ctest, and under ASan/UBSan by
// scripts/native-asan.sh). A failed CHECK records the failure and aborts only that test case.
#pragma once
#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace b2bua::test {

struct Case {
  const char* name;
  std::function<void()> body;
};

inline std::vector<Case>& cases() {
  static std::vector<Case> all;
  return all;
}

struct Register {
  Register(const char* name, std::function<void()> body) { cases().push_back({name, std::move(body)}); }
};

struct CheckFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace b2bua::test

#define B2BUA_CONCAT2(a, b) a##b
#define B2BUA_CONCAT(a, b) B2BUA_CONCAT2(a, b)
#define TEST_CASE(name)                                                                          \
  static void B2BUA_CONCAT(test_body_, __LINE__)();                                              \
  static ::b2bua::test::Register B2BUA_CONCAT(test_register_, __LINE__)(name, B2BUA_CONCAT(test_body_, __LINE__)); \
  static void B2BUA_CONCAT(test_body_, __LINE__)()

#define CHECK(condition)                                                                                  \
  do {                                                                                                    \
    if (!(condition))                                                                                     \
      throw ::b2bua::test::CheckFailed(std::string(__FILE__) + ":" + std::to_string(__LINE__) + ": " #condition); \
  } while (0)

#define CHECK_THROWS(Type, expression) \
  do {                                 \
    bool thrown = false;               \
    try {                              \
      expression;                      \
    } catch (const Type&) {            \
      thrown = true;                   \
    }                                  \
    CHECK(thrown && #Type);            \
  } while (0)
