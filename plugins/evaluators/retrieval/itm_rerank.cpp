#include "itm_rerank.hpp"

#include "recall_at_k.hpp"
#include "rerank.hpp"

namespace mmkd::retrieval {

ComponentInfo ItmRerank::info() {
  return ComponentInfo("itm_rerank",
                       "Image-text retrieval Recall@K with ITM re-ranking (ALBEF, VLMo): each query's top k "
                       "candidates by cosine similarity of the contrastive features are ordered by the ITM loss' "
                       "match score, the others follow in similarity order; ties count against the model.")
      .required_option<std::string>("loss", "name of the ITM loss node whose match_score re-ranks the candidates")
      .option<int64_t>("k", 128, "candidates re-ranked per query (128 on Flickr30K, 256 on COCO)", positive())
      .option<std::vector<int64_t>>("ks", {1, 5, 10}, "the K of each Recall@K", positive())
      .option<int64_t>("pair_batch", 1024, "pairs scored per call of the ITM loss", positive())
      .input("image_features", "[B, E] contrastive image features of the first ranking")
      .input("text_features", "[B, E] contrastive text features; row i describes the image of row i")
      .input("image", "[B, dim] image representation the ITM loss reads")
      .input("text", "[B, dim] text representation the ITM loss reads")
      .optional_input("image_id", "int64 [B]: rows with the same id share one image (the first row's is kept); "
                                  "without it every row is its own image")
      .outputs_from(
          [](const Options& options) { return recall_metric_ports(options.get<std::vector<int64_t>>("ks")); });
}

ItmRerank::ItmRerank(const Options& options, const Context& /*context*/)
    : loss_(options.get<std::string>("loss")),
      k_(options.get<int64_t>("k")),
      pair_batch_(options.get<int64_t>("pair_batch")),
      ks_(options.get<std::vector<int64_t>>("ks")),
      features_("itm_rerank", "image_features", "text_features"),
      itm_inputs_("itm_rerank", "image", "text") {
  if (ks_.empty()) options.fail("ks", "needs at least one K");
}

void ItmRerank::reset() {
  features_.clear();
  itm_inputs_.clear();
}

void ItmRerank::add(const TensorMap& inputs, const EvalModels& /*models*/) {
  const torch::Tensor& image_features = require(inputs, "image_features");
  const torch::Tensor& image = require(inputs, "image");
  if (image_features.dim() == 0 || image.dim() == 0 || image_features.size(0) != image.size(0))
    throw Error(c10::str("itm_rerank: `image_features` ", image_features.sizes(), " and `image` ", image.sizes(),
                         " must have the same B rows"));
  itm_inputs_.add(inputs);
  features_.add(inputs);
}

std::map<std::string, double> ItmRerank::compute(const EvalModels& models) {
  const GroupedEmbeddings features = features_.grouped();
  const GroupedEmbeddings itm = itm_inputs_.grouped(/*normalise=*/false);
  const torch::Tensor similarity = features.images.matmul(features.texts.t());  // [images, texts]
  const torch::Tensor correct = features.correct();

  // The ITM loss' match score of (image rows[p], text rows[p]), pair_batch pairs per call.
  auto match_score = [&](const torch::Tensor& image_rows, const torch::Tensor& text_rows) {
    std::vector<torch::Tensor> scores;
    for (int64_t begin = 0; begin < image_rows.size(0); begin += pair_batch_) {
      const torch::Tensor images = itm.images.index_select(0, image_rows.slice(0, begin, begin + pair_batch_));
      const torch::Tensor texts = itm.texts.index_select(0, text_rows.slice(0, begin, begin + pair_batch_));
      const TensorMap out = models.evaluate_loss(loss_, {{"image", images}, {"text", texts}});
      const torch::Tensor& score = require(out, "match_score");
      if (score.dim() != 1 || score.size(0) != images.size(0))
        throw Error(c10::str("itm_rerank: loss `", loss_, "` returned `match_score` ", score.sizes(), " for ",
                             images.size(0), " pairs, expected [", images.size(0), "]"));
      scores.push_back(score.detach().to(torch::kCPU));
    }
    return torch::cat(scores);
  };
  const torch::Tensor i2t = reranked_rank_of_best_correct(similarity, correct, k_, match_score);
  const torch::Tensor t2i = reranked_rank_of_best_correct(
      similarity.t(), correct.t(), k_,
      [&](const torch::Tensor& text, const torch::Tensor& image) { return match_score(image, text); });

  return recall_metrics(i2t, t2i, ks_);
}

std::vector<TableCell> ItmRerank::table(const std::map<std::string, double>& metrics) const {
  return recall_table_cells(metrics, ks_);
}

}  // namespace mmkd::retrieval
