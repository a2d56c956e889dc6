#include "retrieval.hpp"

#include "recall_at_k.hpp"

#include <unordered_map>

namespace mmkd::retrieval {

namespace F = torch::nn::functional;

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
    : ks_(options.get<std::vector<int64_t>>("ks")) {
  if (ks_.empty()) options.fail("ks", "needs at least one K");
}

void Retrieval::reset() {
  images_.clear();
  texts_.clear();
  image_ids_.clear();
}

void Retrieval::add(const TensorMap& inputs) {
  const torch::Tensor& image = require(inputs, "image");
  const torch::Tensor& text = require(inputs, "text");
  if (image.dim() != 2 || text.dim() != 2 || image.size(0) != text.size(0) || image.size(1) != text.size(1))
    throw Error(c10::str("retrieval: `image` and `text` must both be [B, D], got ", image.sizes(), " and ",
                         text.sizes()));
  auto found = inputs.find("image_id");
  const torch::Tensor image_id = found == inputs.end() ? torch::Tensor() : found->second;
  if (!images_.empty() && image_id.defined() == image_ids_.empty())
    throw Error("retrieval: `image_id` must be given with every batch or with none");
  if (image_id.defined()) {
    if (image_id.numel() != image.size(0))
      throw Error(c10::str("retrieval: `image_id` must have one id per row (", image.size(0), "), got ",
                           image_id.sizes()));
    image_ids_.push_back(image_id.detach().to(torch::kCPU, torch::kLong).reshape({-1}));
  }
  images_.push_back(image.detach().to(torch::kCPU, torch::kFloat));
  texts_.push_back(text.detach().to(torch::kCPU, torch::kFloat));
}

std::map<std::string, double> Retrieval::compute() {
  if (images_.empty()) throw Error("retrieval: compute() before any embeddings were added");
  const torch::Tensor image = torch::cat(images_), text = torch::cat(texts_);
  const torch::Tensor ids = image_ids_.empty() ? torch::arange(image.size(0), torch::kLong) : torch::cat(image_ids_);

  std::unordered_map<int64_t, int64_t> unique_index;  // image id -> row of the deduplicated images
  std::vector<int64_t> first_rows, image_of_text;
  const int64_t* id = ids.data_ptr<int64_t>();
  for (int64_t row = 0; row < ids.numel(); ++row) {
    auto [it, fresh] = unique_index.emplace(id[row], static_cast<int64_t>(first_rows.size()));
    if (fresh) first_rows.push_back(row);
    image_of_text.push_back(it->second);
  }
  const torch::Tensor images =
      F::normalize(image.index_select(0, torch::tensor(first_rows)), F::NormalizeFuncOptions().dim(1));
  const torch::Tensor texts = F::normalize(text, F::NormalizeFuncOptions().dim(1));
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
