#include "expect_error.hpp"

#include <gtest/gtest.h>
#include <mmkd/error.hpp>

namespace mmkd::testing {

void expect_error_naming(const std::function<void()>& call, const std::vector<std::string>& parts) {
  try {
    call();
    ADD_FAILURE() << "no mmkd::Error";
  } catch (const mmkd::Error& e) {
    const std::string message = e.what();
    for (const std::string& part : parts) EXPECT_NE(message.find(part), std::string::npos) << part << " in: " << message;
  }
}

}  // namespace mmkd::testing
