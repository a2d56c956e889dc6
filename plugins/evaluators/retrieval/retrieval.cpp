#include "retrieval.hpp"

#include "recall_at_k.hpp"


namespace mmkd::retrieval {

ComponentInfo Retrieval::info() {
  return ComponentInfo("retrieval",
                       "Image-text retrieval Recall@K (thesis Section 1.6) on cosine similarity over the whole "
                       "validation set; ties count against the model.")
      .option<std::vector<int64_t>>("ks", {1, 5, 10}, "the K of each Recall@K", positive())
      .input("image", "[B, D] image embeddings")
      .input("text", "[B, D] text embeddings; row i describes the image of row i")
      .optional_input("image_id", "int64 [B]: rows with the same id share one image (the first row's is kept); "
                                  "without it every row is its own image")
      .outputs_from([](const Options& options) {
        std::vector<Port> metrics;
        for (const std::string direction : {"i2t", "t2i"})
          for (int64_t k : options.get<std::vector<int64_t>>("ks"))
            metrics.push_back({c10::str(direction, "_r", k),
                               c10::str("Recall@", k, direction == "i2t" ? " of captions for each image"
                                                                          : " of images for each caption")});
        return metrics;
      });
}

Retrieval::Retrieval(const Options& options, const Context& /*context*/)
    : ks_(options.get<std::vector<int64_t>>("ks")), store_("retrieval") {
  if (ks_.empty()) options.fail("ks", "needs at least one K");
}

void Retrieval::reset() { store_.clear(); }

void Retrieval::add(const TensorMap& inputs) { store_.add(inputs); }

std::map<std::string, double> Retrieval::compute() {
  const auto [images, texts, image_of_text] = store_.grouped();
  const torch::Tensor similarity = images.matmul(texts.t());  // [images, texts]
  const torch::Tensor correct = torch::tensor(image_of_text).unsqueeze(0) ==
                                torch::arange(images.size(0), torch::kLong).unsqueeze(1);

  std::map<std::string, double> metrics;
  const std::vector<double> i2t = recall_at_k(similarity, correct, ks_);
  const std::vector<double> t2i = recall_at_k(similarity.t(), correct.t(), ks_);
  for (size_t i = 0; i < ks_.size(); ++i) {
    metrics[c10::str("i2t_r", ks_[i])] = i2t[i];
    metrics[c10::str("t2i_r", ks_[i])] = t2i[i];
  }
  return metrics;
}

}  // namespace mmkd::retrieval
