#pragma once
// Test helper: a call must throw mmkd::Error whose message contains every given part.
#include <gtest/gtest.h>

#include <functional>
#include <mmkd/error.hpp>
#include <string>
#include <vector>

inline void expect_error_naming(const std::function<void()>& call, const std::vector<std::string>& parts) {
  try {
    call();
    ADD_FAILURE() << "no mmkd::Error";
  } catch (const mmkd::Error& e) {
    for (const std::string& part : parts) EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}
