#pragma once
// Test helper for error messages.
#include <functional>
#include <string>
#include <vector>

namespace mmkd::testing {

// Expects `call` to throw mmkd::Error or mmkd::ConfigError whose message contains every one of `parts`.
void expect_error_naming(const std::function<void()>& call, const std::vector<std::string>& parts);

}  // namespace mmkd::testing
