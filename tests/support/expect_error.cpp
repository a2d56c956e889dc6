#include "expect_error.hpp"

#include <gtest/gtest.h>
#include <mmkd/error.hpp>

namespace mmkd::testing {

static void expect_naming(const std::string& message, const std::vector<std::string>& parts) {
  for (const std::string& part : parts) EXPECT_NE(message.find(part), std::string::npos) << part << " in: " << message;
}

void expect_error_naming(const std::function<void()>& call, const std::vector<std::string>& parts) {
  try {
    call();
    ADD_FAILURE() << "no mmkd::Error or mmkd::ConfigError";
  } catch (const mmkd::Error& e) {
    expect_naming(e.what(), parts);
  } catch (const mmkd::ConfigError& e) {
    expect_naming(e.what(), parts);
  }
}

}  // namespace mmkd::testing
