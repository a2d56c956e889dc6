#pragma once
// The image and text embeddings of a validation pass, with the image each caption describes.
#include <mmkd/mmkd.hpp>
#include <torch/torch.h>

#include <string>
#include <vector>

namespace mmkd::retrieval {

struct GroupedEmbeddings {
  torch::Tensor images;                // [I, D] L2-normalised, one row per image id, in order of first appearance
  torch::Tensor texts;                 // [T, D] L2-normalised, in the order they were added
  std::vector<int64_t> image_of_text;  // row of `images` each text describes
};

class EmbeddingStore {
 public:
  explicit EmbeddingStore(std::string evaluator) : evaluator_(std::move(evaluator)) {}
  void clear();
  // Inputs `image` and `text` [B, D] (row i of text describes row i of image) and the optional
  // `image_id` [B] (rows with the same id share one image); throws mmkd::Error naming the evaluator.
  void add(const TensorMap& inputs);
  GroupedEmbeddings grouped() const;  // without image ids every row is its own image

 private:
  std::string evaluator_;
  std::vector<torch::Tensor> images_, texts_, image_ids_;  // per batch, CPU, detached
};

}  // namespace mmkd::retrieval
