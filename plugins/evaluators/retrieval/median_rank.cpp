#include "median_rank.hpp"

#include "recall_at_k.hpp"

#include <iomanip>

namespace mmkd::retrieval {

ComponentInfo MedianRank::info() {
  return ComponentInfo("median_rank",
                       "SHRe's average median rank (Table 11): 5 splits of 1K images, one caption per image per "
                       "round, median rank of the correct pair per split, averaged over splits and 5 rounds; ties "
                       "count against the model")
      .option<int64_t>("splits", 5, "number of image splits (the first splits x split_size images are used)", positive())
      .option<int64_t>("split_size", 1000, "images per split", at_least(2))
      .option<int64_t>("rounds", 5, "rounds; round r pairs each image with its caption r (modulo its captions)",
                       positive())
      .input("image", "[B, D] image embeddings")
      .input("text", "[B, D] text embeddings; row i describes the image of row i")
      .input("image_id", "int64 [B]: rows with the same id share one image (its captions in order)", "batch.image_id")
      .output("i2t", "average median rank of the correct caption for each image (1 is perfect)")
      .output("t2i", "average median rank of the correct image for each caption (1 is perfect)");
}

MedianRank::MedianRank(const Options& options, const Context& /*context*/)
    : splits_(options.get<int64_t>("splits")),
      split_size_(options.get<int64_t>("split_size")),
      rounds_(options.get<int64_t>("rounds")),
      store_("median_rank") {}

namespace {
// The median as numpy computes it: the mean of the two middle values when their number is even.
double numpy_median(const torch::Tensor& values) {
  const torch::Tensor sorted = std::get<0>(values.to(torch::kDouble).reshape({-1}).sort());
  const int64_t n = sorted.numel();
  return n % 2 ? sorted[n / 2].item<double>() : (sorted[n / 2 - 1].item<double>() + sorted[n / 2].item<double>()) / 2;
}
}  // namespace

std::map<std::string, double> MedianRank::compute(const EvalModels& /*models*/) {
  const auto [images, texts, image_of_text] = store_.grouped();
  if (images.size(0) < splits_ * split_size_)
    throw Error(c10::str("median_rank: ", splits_, " splits of ", split_size_, " images need ", splits_ * split_size_,
                         " images, the validation set has ", images.size(0)));
  std::vector<std::vector<int64_t>> captions(images.size(0));
  for (size_t t = 0; t < image_of_text.size(); ++t) captions[image_of_text[t]].push_back(static_cast<int64_t>(t));
  const torch::Tensor correct = torch::eye(split_size_, torch::kBool);
  double i2t = 0, t2i = 0;
  for (int64_t round = 0; round < rounds_; ++round)
    for (int64_t split = 0; split < splits_; ++split) {
      std::vector<int64_t> chosen;
      for (int64_t i = split * split_size_; i < (split + 1) * split_size_; ++i)
        chosen.push_back(captions[i][round % static_cast<int64_t>(captions[i].size())]);
      const torch::Tensor similarity =
          images.slice(0, split * split_size_, (split + 1) * split_size_).matmul(texts.index_select(0, torch::tensor(chosen)).t());
      i2t += numpy_median(rank_of_best_correct(similarity, correct) + 1);
      t2i += numpy_median(rank_of_best_correct(similarity.t(), correct) + 1);
    }
  const double runs = static_cast<double>(rounds_ * splits_);
  return {{"i2t", i2t / runs}, {"t2i", t2i / runs}};
}

std::vector<TableCell> MedianRank::table(const std::map<std::string, double>& metrics) const {
  return {{{"Image → Text"}, c10::str(std::fixed, std::setprecision(1), metrics.at("i2t"))},
          {{"Text → Image"}, c10::str(std::fixed, std::setprecision(1), metrics.at("t2i"))}};
}

}  // namespace mmkd::retrieval
