#include "target_cmli.hpp"

#include "cmli_tokens.hpp"
#include "target_cmli_loss.hpp"

namespace mmkd::cmli {

ComponentInfo TargetCmli::info() {
  return ComponentInfo("target_cmli",
                       "Target-CMLI (thesis Eq. 71-77): student image patches regress the teacher's patches at the "
                       "same position (Eq. 75); each caption word (not [CLS], [EOS] or padding) regresses the "
                       "teacher patch of highest cosine similarity under a learnable projection g (Eq. 72, 76); "
                       "the loss is the mean of both parts (Eq. 77). Squared errors are averaged over dimensions "
                       "(Eq. 1), patches or words, and the batch.")
      .option<int64_t>("dim", 768, "size of the student and teacher tokens", positive())
      .option<int64_t>("projection_dim", 32, "output size of g (32 in the thesis, 256 in the FILIP-style draft)",
                       positive())
      .option<std::string>("regression_space", "projected",
                           "projected: g(word) regresses g(matched patch) (thesis Eq. 76); raw: the word regresses "
                           "the matched patch in `dim` dimensions and g only matches (draft, as FILIP)",
                           one_of({"projected", "raw"}))
      .option<bool>("include_cls", false,
                    "also regress [I_CLS] onto the teacher's [I_CLS] (Eq. 75) and [T_CLS] onto it as one more word "
                    "(Eq. 76), as the thesis code did")
      .input("image", "[B, 1 + N, dim] student image tokens H'''_{v,K}, [I_CLS] first (regressed with include_cls)")
      .input("text", "[B, T, dim] student text tokens H'''_{w,K}")
      .input("text_mask", "[B, T] 1 = token, 0 = padding; [CLS] first and [EOS] last among the tokens",
             "batch.text_mask")
      .input("teacher",
             "[B, 1 + N, dim] teacher image tokens H^t_{v,L_t}, [I_CLS] first; a target: no gradient "
             "flows into it")
      .output("kd_i2t", "mean squared error of student patches against the teacher's (Eq. 75)")
      .output("kd_t2i", "mean squared error of caption words against their matched teacher patches (Eq. 76)");
}

TargetCmli::TargetCmli(const Options& options, const Context& /*context*/)
    : regress_projected_(options.get<std::string>("regression_space") == "projected"),
      include_cls_(options.get<bool>("include_cls")) {
  projection = register_module(
      "projection",
      torch::nn::Linear(
          torch::nn::LinearOptions(options.get<int64_t>("dim"), options.get<int64_t>("projection_dim")).bias(false)));
}

namespace {

void check_shapes(const torch::Tensor& image, const torch::Tensor& text, const torch::Tensor& text_mask,
                  const torch::Tensor& teacher, int64_t dim) {
  if (teacher.dim() != 3 || teacher.size(1) < 2 || teacher.size(2) != dim || image.sizes() != teacher.sizes())
    throw Error(c10::str("target_cmli: `image` and `teacher` must both be [B, 1 + N, ", dim, "] with N >= 1, got ",
                         image.sizes(), " and ", teacher.sizes()));
  if (text.dim() != 3 || text.size(0) != teacher.size(0) || text.size(2) != dim)
    throw Error(c10::str("target_cmli: `text` must be [B, T, ", dim, "] with the B = ", teacher.size(0),
                         " of `teacher` ", teacher.sizes(), ", got ", text.sizes()));
  if (text_mask.sizes() != text.sizes().slice(0, 2))
    throw Error(c10::str("target_cmli: `text_mask` must be [B, T] = ", text.sizes().slice(0, 2), " like `text` ",
                         text.sizes(), ", got ", text_mask.sizes()));
}

}  // namespace

LossOutput TargetCmli::compute(const TensorMap& inputs) {
  const torch::Tensor& image = require(inputs, "image");
  const torch::Tensor& text = require(inputs, "text");
  const torch::Tensor& text_mask = require(inputs, "text_mask");
  const torch::Tensor& teacher = require(inputs, "teacher");
  check_shapes(image, text, text_mask, teacher, projection->options.in_features());
  const torch::Tensor words = caption_words(text_mask, "target_cmli");

  const torch::ScalarType type = projection->weight.scalar_type();
  const torch::Tensor targets = teacher.detach().to(type);
  const torch::Tensor student = image.to(type);
  const torch::Tensor tokens = text.to(type);
  const torch::Tensor kd_i2t = include_cls_ ? (student - targets).pow(2).mean()  // Eq. 75
                                            : (patches(student) - patches(targets)).pow(2).mean();

  const torch::Tensor projected_tokens = at_least_fp32(projection(tokens));
  const torch::Tensor projected_targets = at_least_fp32(projection(targets));
  torch::Tensor matched = best_patches(projected_tokens, patches(projected_targets)) + 1;  // Eq. 72, of 1 + N
  torch::Tensor regressed = words;
  if (include_cls_) {
    matched.select(1, 0).fill_(0);  // [T_CLS] regresses [I_CLS]
    regressed = words.clone();
    regressed.select(1, 0).fill_(true);
  }
  const torch::Tensor kd_t2i =
      regress_projected_ ? matched_token_mse(projected_tokens, projected_targets, matched, regressed)  // Eq. 76
                         : matched_token_mse(tokens, targets, matched, regressed);

  LossOutput out;
  out.loss = (kd_i2t + kd_t2i) / 2;  // Eq. 77
  out.metrics["kd_i2t"] = kd_i2t.detach();
  out.metrics["kd_t2i"] = kd_t2i.detach();
  return out;
}

}  // namespace mmkd::cmli
