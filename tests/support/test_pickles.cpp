#include "test_pickles.hpp"

#include "python_tools.hpp"

#include <gtest/gtest.h>

namespace mmkd::testing {

TestPickles::TestPickles(const std::string& names) {
  run_python_tool("make_test_pickles.py", "--out '" + dir_.path() + "' --only " + names);
}

void expect_same_tensors(const TensorMap& expected, const TensorMap& actual, const std::string& label) {
  for (const auto& [key, tensor] : expected) {
    auto it = actual.find(key);
    if (it == actual.end()) {
      ADD_FAILURE() << label << ": no tensor " << key;
      continue;
    }
    EXPECT_EQ(it->second.scalar_type(), tensor.scalar_type()) << label << ": " << key;
    EXPECT_EQ(it->second.sizes(), tensor.sizes()) << label << ": " << key;
    EXPECT_TRUE(it->second.scalar_type() == tensor.scalar_type() && it->second.sizes() == tensor.sizes() &&
                torch::equal(it->second, tensor))
        << label << ": " << key << " differs";
  }
  for (const auto& [key, tensor] : actual) EXPECT_TRUE(expected.count(key)) << label << ": unexpected tensor " << key;
}

}  // namespace mmkd::testing
