#include "caption_ranks.hpp"

#include <limits>

namespace mmkd::retrieval {
namespace {
constexpr int64_t rows_per_chunk = 512;  // bounds the [chunk, T] comparison temporaries
}

CaptionRanks caption_ranks(const torch::Tensor& similarity, const torch::Tensor& image_of_text) {
  const int64_t images = similarity.size(0), texts = similarity.size(1);
  const torch::Tensor index = image_of_text.to(similarity.device(), torch::kLong);
  const torch::Tensor correct_score = similarity.index({index, torch::arange(texts, index.options())});  // [T]
  const torch::Tensor best = torch::full({images}, -std::numeric_limits<double>::infinity(), similarity.options())
                                 .scatter_reduce(0, index, correct_score, "amax");
  // Captions of each image scoring as high as its best one (the best itself and ties).
  const torch::Tensor correct_at_best = torch::zeros({images}, index.options())
                                            .scatter_add(0, index, (correct_score >= best.index_select(0, index)).to(torch::kLong));
  torch::Tensor images_ahead = torch::zeros({texts}, index.options());
  std::vector<torch::Tensor> captions_ahead;
  for (int64_t begin = 0; begin < images; begin += rows_per_chunk) {
    const torch::Tensor rows = similarity.slice(0, begin, begin + rows_per_chunk);
    images_ahead += (rows >= correct_score.unsqueeze(0)).sum(0);
    captions_ahead.push_back((rows >= best.slice(0, begin, begin + rows_per_chunk).unsqueeze(1)).sum(1));
  }
  return {torch::cat(captions_ahead) - correct_at_best, images_ahead - 1};
}

}  // namespace mmkd::retrieval
