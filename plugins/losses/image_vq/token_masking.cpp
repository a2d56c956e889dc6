#include "token_masking.hpp"

#include <ATen/CPUGeneratorImpl.h>

namespace mmkd::image_vq {

namespace {
uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
}  // namespace

uint64_t mask_seed(uint64_t experiment_seed, int rank, int64_t step) {
  return splitmix64(splitmix64(splitmix64(experiment_seed) ^ static_cast<uint64_t>(rank)) ^ static_cast<uint64_t>(step));
}

torch::Tensor sample_token_mask(int64_t batch, int64_t tokens, double mask_prob, uint64_t seed) {
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  const torch::Tensor alpha = torch::rand({batch, tokens}, generator, torch::kDouble);
  return alpha < mask_prob;  // Eq. 87
}

torch::Tensor sample_exact_token_mask(int64_t batch, int64_t tokens, double mask_prob, uint64_t seed) {
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  const int64_t kept = static_cast<int64_t>(static_cast<double>(tokens) * (1 - mask_prob));
  const torch::Tensor ranks = torch::rand({batch, tokens}, generator, torch::kDouble).argsort(/*dim=*/int64_t{1}).argsort(int64_t{1});
  return ranks >= kept;  // a random `kept` positions per row stay
}

torch::Tensor mask_tokens(const torch::Tensor& tokens, const torch::Tensor& masked, const torch::Tensor& mask_token) {
  return torch::where(masked.to(tokens.device()).unsqueeze(-1), mask_token.to(tokens.scalar_type()), tokens);  // Eq. 87
}

}  // namespace mmkd::image_vq
