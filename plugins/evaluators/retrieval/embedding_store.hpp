#pragma once
// The image and text embeddings of a validation pass, with the image each caption describes.
#include <mmkd/mmkd.hpp>
#include <torch/types.h>

#include <string>
#include <vector>

namespace mmkd::retrieval {

struct GroupedEmbeddings {
  torch::Tensor images;                // [I, D] one row per image id, in order of first appearance
  torch::Tensor texts;                 // [T, D] in the order they were added
  std::vector<int64_t> image_of_text;  // row of `images` each text describes

  torch::Tensor correct() const;  // [I, T] bool: text t describes image i
};

class EmbeddingStore {
 public:
  // Reads the inputs named `image_port` and `text_port`.
  explicit EmbeddingStore(std::string evaluator, std::string image_port = "image", std::string text_port = "text")
      : evaluator_(std::move(evaluator)), image_port_(std::move(image_port)), text_port_(std::move(text_port)) {}
  void clear();
  // The image and text inputs [B, D] (text row i describes image row i) and the optional
  // `image_id` [B] (rows with the same id share one image); throws mmkd::Error naming the evaluator.
  void add(const TensorMap& inputs);
  // Rows L2-normalised unless `normalise` is false; without image ids every row is its own image.
  GroupedEmbeddings grouped(bool normalise = true) const;

 private:
  std::string evaluator_, image_port_, text_port_;
  std::vector<torch::Tensor> images_, texts_, image_ids_;  // per batch, CPU, detached
};

}  // namespace mmkd::retrieval
