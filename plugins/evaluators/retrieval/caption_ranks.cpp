#include "caption_ranks.hpp"

#include <algorithm>
#include <limits>
#include <vector>

namespace mmkd::retrieval {

// One pass over the rows: each image counts captions at or above its best caption, each
// caption counts images at or above its own image.
CaptionRanks caption_ranks(const torch::Tensor& similarity, const torch::Tensor& image_of_text) {
  const torch::Tensor scores = similarity.to(torch::kCPU, torch::kFloat).contiguous();
  const torch::Tensor index = image_of_text.to(torch::kCPU, torch::kLong).contiguous();
  const int64_t images = scores.size(0), texts = scores.size(1);
  const float* s = scores.data_ptr<float>();
  const int64_t* image = index.data_ptr<int64_t>();

  std::vector<float> correct(texts), best(images, -std::numeric_limits<float>::infinity());
  for (int64_t t = 0; t < texts; ++t) {
    correct[t] = s[image[t] * texts + t];
    best[image[t]] = std::max(best[image[t]], correct[t]);
  }
  std::vector<int64_t> correct_at_best(images, 0);  // the best caption itself and its ties
  for (int64_t t = 0; t < texts; ++t) correct_at_best[image[t]] += correct[t] >= best[image[t]];

  torch::Tensor captions_ahead = torch::empty({images}, torch::kLong);
  std::vector<int32_t> images_at_or_above(texts, 0);
  int64_t* ahead = captions_ahead.data_ptr<int64_t>();
  for (int64_t i = 0; i < images; ++i) {
    const float* row = s + i * texts;
    const float row_best = best[i];
    int64_t at_or_above = 0;
    for (int64_t t = 0; t < texts; ++t) {
      at_or_above += row[t] >= row_best;
      images_at_or_above[t] += row[t] >= correct[t];
    }
    ahead[i] = at_or_above - correct_at_best[i];
  }
  torch::Tensor images_ahead = torch::tensor(std::vector<int64_t>(images_at_or_above.begin(), images_at_or_above.end())) - 1;
  return {captions_ahead.to(similarity.device()), images_ahead.to(similarity.device())};
}

}  // namespace mmkd::retrieval
