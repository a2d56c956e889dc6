#include "tiny_experiment.hpp"

#include <gtest/gtest.h>

using namespace mmkd::testing;

namespace {

TEST(Describe, PrintsTheParameterCountOfTheDefaults) {
  TempDir dir;
  auto bert = mmkd_in(dir.path(), "describe encoder/bert");
  ASSERT_EQ(bert.exit_code, 0) << bert.output;
  // BERT-base without its pooler: 23,837,184 in the embeddings + 12 x 7,087,872 in the layers.
  EXPECT_NE(bert.output.find("parameters with default options: 108,891,648 (108.9M)"), std::string::npos)
      << bert.output;
  auto torchscript = mmkd_in(dir.path(), "describe teacher/torchscript_teacher");
  ASSERT_EQ(torchscript.exit_code, 0) << torchscript.output;
  EXPECT_EQ(torchscript.output.find("parameters with default options"), std::string::npos) << torchscript.output;
}

}  // namespace
