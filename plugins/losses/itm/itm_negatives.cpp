#include "itm_negatives.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <torch/types.h>

#include <limits>
#include <mmkd/loss_math.hpp>

namespace mmkd::itm {

at::Generator negative_generator(uint64_t seed, int rank, int64_t draw) {
  // splitmix64 of the three numbers: neighbouring draws and ranks get unrelated streams.
  uint64_t z = seed ^ (0x9E3779B97F4A7C15ull * (static_cast<uint64_t>(draw) + 1)) ^
               (0xC2B2AE3D27D4EB4Full * (static_cast<uint64_t>(rank) + 1));
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return at::make_generator<at::CPUGeneratorImpl>(z ^ (z >> 31));
}

Negatives random_negatives(int64_t batch, at::Generator& generator) {
  const torch::Tensor rows = torch::arange(batch, torch::kLong);
  auto partner = [&] { return (rows + torch::randint(1, batch, {batch}, generator, torch::kLong)) % batch; };
  torch::Tensor text_of_image = partner();
  return {text_of_image, partner()};
}

namespace {

// One sample per row of softmax(logits) with the diagonal (the pair) at probability zero.
torch::Tensor sample_off_diagonal(const torch::Tensor& logits, at::Generator& generator) {
  const torch::Tensor pair = torch::eye(logits.size(0), torch::kBool);
  const torch::Tensor probabilities =
      softmax_fp32(logits.masked_fill(pair, -std::numeric_limits<double>::infinity()), 1);
  return torch::multinomial(probabilities, 1, false, generator).squeeze(1);
}

}  // namespace

Negatives hard_negatives(const torch::Tensor& similarity, double temperature, at::Generator& generator) {
  const torch::Tensor logits = similarity.detach().to(torch::kCPU) / temperature;
  torch::Tensor text_of_image = sample_off_diagonal(logits, generator);
  return {text_of_image, sample_off_diagonal(logits.t(), generator)};
}

}  // namespace mmkd::itm
