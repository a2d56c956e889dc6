#include "itm.hpp"

#include <optional>
#include <string>

namespace mmkd::itm {

ComponentInfo Itm::info() {
  return ComponentInfo("itm",
                       "Image-text matching with feature fusion (thesis Eq. 64-67): image and text CLS "
                       "representations are projected, added and classified as match / no match, for the B pairs "
                       "of the batch and 2B negatives (a non-matching text for each image, a non-matching image "
                       "for each text). One node fuses one layer; Eq. 66 is two nodes (outputs of linear #1 and "
                       "#2) with weight 0.5 each, which draw the same negatives when they read the same "
                       "`image_features` and `text_features` (or use random negatives). For evaluators (itm_rerank) it "
                       "scores given pairs: `match_score` = logit(match) - logit(no match). `head: concat_mlp` "
                       "replaces Eq. 64-65 by the ITM head of the thesis' own code (TimCares/MasterThesis, Sx3HRe).")
      .option<int64_t>("dim", 768, "size of the `image` and `text` representations", positive())
      .option<std::string>("head", "projected_sum",
                           "projected_sum: image and text projected, added and classified by one linear layer "
                           "(Eq. 64-65); concat_mlp: the thesis code's head, the L2-normalised image and text "
                           "concatenated [2 dim] and classified by Linear -> GELU -> LayerNorm (eps 1e-6) -> Linear",
                           one_of({"projected_sum", "concat_mlp"}))
      .option<int64_t>("hidden_dim", 768,
                       "projected_sum: output size of the image and text projections (Eq. 64); concat_mlp: width "
                       "of the MLP's hidden layer",
                       positive())
      .option<std::string>("negatives", "hard",
                           "random: uniform among the other pairs of the batch; hard: in proportion to the "
                           "softmax of the contrastive similarity, as in ALBEF and VLMo",
                           one_of({"random", "hard"}))
      .option<double>("temperature", 0.07,
                      "hard negatives: softmax of cosine similarity / temperature (0.07 is the contrastive "
                      "loss' initial temperature)",
                      positive())
      .input("image", "[B, dim] image representation of one layer, e.g. h'_{v,K,[I_CLS]}")
      .input("text", "[B, dim] text representation of the same layer; row i is the caption of image i")
      .optional_input("image_features",
                      "[B, E] contrastive image features whose cosine similarity to `text_features` weights "
                      "hard negatives (default: `image`)")
      .optional_input("text_features", "[B, E] contrastive text features (default: `text`)")
      .output("accuracy", "fraction of the 3B pairs classified correctly")
      .output("positive_accuracy", "fraction of the B matching pairs classified as match")
      .output("negative_accuracy", "fraction of the 2B negative pairs classified as no match");
}

Itm::Itm(const Options& options, const Context& context)
    : dim_(options.get<int64_t>("dim")),
      hard_negatives_(options.get<std::string>("negatives") == "hard"),
      temperature_(options.get<double>("temperature")),
      seed_(context.seed),
      rank_(context.rank) {
  const int64_t hidden = options.get<int64_t>("hidden_dim");
  if (options.get<std::string>("head") == "concat_mlp") {
    mlp = register_module("mlp", ConcatMlpHead(dim_, hidden));
  } else {
    image_projection =
        register_module("image_projection", torch::nn::Linear(torch::nn::LinearOptions(dim_, hidden).bias(false)));
    text_projection =
        register_module("text_projection", torch::nn::Linear(torch::nn::LinearOptions(dim_, hidden).bias(false)));
    classifier = register_module("classifier", torch::nn::Linear(hidden, 2));
  }
  step = register_buffer("step", torch::zeros({}, torch::kLong));
}

namespace {

// Both [B, width] (any width when none is given).
void check_pairs(const char* image_port, const torch::Tensor& image, const char* text_port, const torch::Tensor& text,
                 std::optional<int64_t> width) {
  const bool ok = image.dim() == 2 && image.sizes() == text.sizes() && (!width || image.size(1) == *width);
  if (!ok)
    throw Error(c10::str("itm: `", image_port, "` and `", text_port, "` must both be [B, ",
                         width ? std::to_string(*width) : std::string("E"), "], got ", image.sizes(), " and ",
                         text.sizes()));
}

struct ItmInputs {
  torch::Tensor image, text;                    // [B, dim]
  torch::Tensor image_features, text_features;  // [B, E], weigh hard negatives
};

ItmInputs read_inputs(const TensorMap& inputs, int64_t dim) {
  ItmInputs in{require(inputs, "image"), require(inputs, "text"), {}, {}};
  check_pairs("image", in.image, "text", in.text, dim);
  in.image_features = optional(inputs, "image_features");
  in.text_features = optional(inputs, "text_features");
  if (in.image_features.defined() != in.text_features.defined())
    throw Error("itm: connect both `image_features` and `text_features`, or neither");
  if (!in.image_features.defined()) {
    in.image_features = in.image;
    in.text_features = in.text;
  }
  check_pairs("image_features", in.image_features, "text_features", in.text_features, std::nullopt);
  if (in.image_features.size(0) != in.image.size(0))
    throw Error(c10::str("itm: `image_features` ", in.image_features.sizes(), " must have the B = ", in.image.size(0),
                         " rows of `image` ", in.image.sizes()));
  if (in.image.size(0) < 2)
    throw Error(c10::str("itm: negatives need at least 2 pairs, got `image` ", in.image.sizes()));
  return in;
}

}  // namespace

Negatives Itm::draw_negatives(const torch::Tensor& image_features, const torch::Tensor& text_features) {
  torch::NoGradGuard no_grad;
  at::Generator generator = negative_generator(seed_, rank_, step.item<int64_t>());
  if (is_training()) step.add_(1);
  const Negatives negatives =
      hard_negatives_ ? hard_negatives(cosine_similarity_matrix(image_features, text_features), temperature_, generator)
                      : random_negatives(image_features.size(0), generator);
  return {negatives.text_of_image.to(image_features.device()), negatives.image_of_text.to(image_features.device())};
}

const torch::Tensor& Itm::head_weight() const {
  return mlp ? mlp->fc1->weight : image_projection->weight;
}

torch::Tensor Itm::pair_logits(const torch::Tensor& image, const torch::Tensor& text, const torch::Tensor& image_index,
                               const torch::Tensor& text_index) {
  const torch::Tensor image_rows = image.to(head_weight().options()), text_rows = text.to(head_weight().options());
  if (mlp) return mlp(image_rows.index_select(0, image_index), text_rows.index_select(0, text_index));
  const torch::Tensor image_itm = image_projection(image_rows);  // Eq. 64
  const torch::Tensor text_itm = text_projection(text_rows);     // Eq. 64
  return classifier(image_itm.index_select(0, image_index) + text_itm.index_select(0, text_index));  // Eq. 65
}

LossOutput Itm::compute(const TensorMap& inputs) {
  const ItmInputs in = read_inputs(inputs, dim_);
  const int64_t batch = in.image.size(0);
  const Negatives negatives = draw_negatives(in.image_features, in.text_features);
  const torch::Tensor pairs = arange_targets(batch, in.image);
  const torch::Tensor image_index = torch::cat({pairs, pairs, negatives.image_of_text});
  const torch::Tensor text_index = torch::cat({pairs, negatives.text_of_image, pairs});
  const torch::Tensor labels = torch::cat({torch::ones_like(pairs), torch::zeros({2 * batch}, pairs.options())});

  const torch::Tensor logits = pair_logits(in.image, in.text, image_index, text_index);

  LossOutput out;
  out.loss = cross_entropy_fp32(logits, labels);  // Eq. 67, mean over the 3B pairs
  torch::NoGradGuard no_grad;
  out.metrics["accuracy"] = top1_accuracy(logits, labels);
  out.metrics["positive_accuracy"] = top1_accuracy(logits.narrow(0, 0, batch), labels.narrow(0, 0, batch));
  out.metrics["negative_accuracy"] =
      top1_accuracy(logits.narrow(0, batch, 2 * batch), labels.narrow(0, batch, 2 * batch));
  return out;
}

TensorMap Itm::evaluate(const TensorMap& inputs) {
  const torch::Tensor& image = require(inputs, "image");
  const torch::Tensor& text = require(inputs, "text");
  check_pairs("image", image, "text", text, dim_);
  torch::NoGradGuard no_grad;
  const torch::Tensor rows = arange_targets(image.size(0), head_weight());
  const torch::Tensor logits = pair_logits(image, text, rows, rows);
  return {{"match_score", (logits.select(1, 1) - logits.select(1, 0)).to(torch::kFloat)}};
}

}  // namespace mmkd::itm
