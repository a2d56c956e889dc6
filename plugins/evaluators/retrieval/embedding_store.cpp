#include "embedding_store.hpp"

#include <unordered_map>

namespace mmkd::retrieval {

namespace F = torch::nn::functional;

void EmbeddingStore::clear() {
  images_.clear();
  texts_.clear();
  image_ids_.clear();
}

void EmbeddingStore::add(const TensorMap& inputs) {
  const torch::Tensor& image = require(inputs, image_port_);
  const torch::Tensor& text = require(inputs, text_port_);
  if (image.dim() != 2 || text.dim() != 2 || image.size(0) != text.size(0) || image.size(1) != text.size(1))
    throw Error(c10::str(evaluator_, ": `", image_port_, "` and `", text_port_, "` must both be [B, D], got ",
                         image.sizes(), " and ", text.sizes()));
  const torch::Tensor image_id = optional(inputs, "image_id");
  if (!images_.empty() && image_id.defined() == image_ids_.empty())
    throw Error(evaluator_ + ": `image_id` must be given with every batch or with none");
  if (image_id.defined()) {
    if (image_id.numel() != image.size(0))
      throw Error(c10::str(evaluator_, ": `image_id` must have one id per row (", image.size(0), "), got ",
                           image_id.sizes()));
    image_ids_.push_back(image_id.detach().to(torch::kCPU, torch::kLong).reshape({-1}));
  }
  images_.push_back(image.detach().to(torch::kCPU, torch::kFloat));
  texts_.push_back(text.detach().to(torch::kCPU, torch::kFloat));
}

torch::Tensor GroupedEmbeddings::correct() const {
  return torch::tensor(image_of_text).unsqueeze(0) == torch::arange(images.size(0), torch::kLong).unsqueeze(1);
}

GroupedEmbeddings EmbeddingStore::grouped(bool normalise) const {
  if (images_.empty()) throw Error(evaluator_ + ": compute() before any embeddings were added");
  const torch::Tensor image = torch::cat(images_), text = torch::cat(texts_);
  const torch::Tensor ids = image_ids_.empty() ? torch::arange(image.size(0), torch::kLong) : torch::cat(image_ids_);
  std::unordered_map<int64_t, int64_t> unique_index;  // image id -> row of the deduplicated images
  std::vector<int64_t> first_rows;
  GroupedEmbeddings out;
  const int64_t* id = ids.data_ptr<int64_t>();
  for (int64_t row = 0; row < ids.numel(); ++row) {
    auto [it, fresh] = unique_index.emplace(id[row], static_cast<int64_t>(first_rows.size()));
    if (fresh) first_rows.push_back(row);
    out.image_of_text.push_back(it->second);
  }
  out.images = image.index_select(0, torch::tensor(first_rows));
  out.texts = text;
  if (normalise) {
    out.images = F::normalize(out.images, F::NormalizeFuncOptions().dim(1));
    out.texts = F::normalize(out.texts, F::NormalizeFuncOptions().dim(1));
  }
  return out;
}

}  // namespace mmkd::retrieval
