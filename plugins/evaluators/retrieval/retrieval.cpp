#include "retrieval.hpp"

#include "caption_ranks.hpp"
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
      .outputs_from(
          [](const Options& options) { return recall_metric_ports(options.get<std::vector<int64_t>>("ks")); });
}

Retrieval::Retrieval(const Options& options, const Context& /*context*/)
    : ks_(options.get<std::vector<int64_t>>("ks")), store_("retrieval") {
  if (ks_.empty()) options.fail("ks", "needs at least one K");
}

void Retrieval::reset() { store_.clear(); }

void Retrieval::add(const TensorMap& inputs, const EvalModels& /*models*/) { store_.add(inputs); }

std::map<std::string, double> Retrieval::compute(const EvalModels& /*models*/) {
  const GroupedEmbeddings grouped = store_.grouped();
  const torch::Tensor similarity = grouped.images.matmul(grouped.texts.t());  // [images, texts]
  const CaptionRanks ranks = caption_ranks(similarity, torch::tensor(grouped.image_of_text));
  return recall_metrics(ranks.image_to_text, ranks.text_to_image, ks_);
}

std::vector<TableCell> Retrieval::table(const std::map<std::string, double>& metrics) const {
  return recall_table_cells(metrics, ks_);
}

}  // namespace mmkd::retrieval
