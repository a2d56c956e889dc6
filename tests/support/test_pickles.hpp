#pragma once
// The checkpoints tools/make_test_pickles.py writes, generated once per test suite.
#include "mmkd_testing.hpp"

#include <mmkd/tensor_map.hpp>

#include <string>

namespace mmkd::testing {

class TestPickles {
 public:
  // Runs the script with the Python of MMKD_PYTHON for `names`, e.g. "dtypes fairseq evil".
  explicit TestPickles(const std::string& names);
  std::string file(const std::string& name) const { return dir_.file(name); }

 private:
  TempDir dir_;
};

// `actual` holds the tensors of `expected`, each with the same dtype, sizes and values, and no other.
void expect_same_tensors(const TensorMap& expected, const TensorMap& actual, const std::string& label);

}  // namespace mmkd::testing
