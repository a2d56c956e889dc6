#pragma once
// Negative pairs for image-text matching (thesis Section 3.2.4.2): for each image a text that is
// not its caption, for each text an image that is not its pair, drawn uniformly or, as in ALBEF
// and VLMo, with the probability of their softmax-normalised contrastive similarity.
#include <ATen/core/Generator.h>
#include <torch/types.h>

#include <cstdint>

namespace mmkd::itm {

struct Negatives {
  torch::Tensor text_of_image;  // [B] long: the negative text paired with image i
  torch::Tensor image_of_text;  // [B] long: the negative image paired with text j
};

// The CPU generator of one draw, seeded from the experiment seed, the rank and the draw number.
at::Generator negative_generator(uint64_t seed, int rank, int64_t draw);

// Each partner uniformly among the B - 1 that are not the pair (CPU indices).
Negatives random_negatives(int64_t batch, at::Generator& generator);

// Image i's text from row i of softmax(similarity / temperature), text j's image from column j,
// with the pair's probability zeroed; `similarity` is [B, B], images by texts (CPU indices).
Negatives hard_negatives(const torch::Tensor& similarity, double temperature, at::Generator& generator);

}  // namespace mmkd::itm
