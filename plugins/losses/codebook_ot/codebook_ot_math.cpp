#include "codebook_ot_math.hpp"

#include <mmkd/loss_math.hpp>

#include <torch/types.h>

namespace mmkd::codebook_ot {

namespace {

// Cosines in the wider of the two precisions (float64 features against the float32 codebook).
torch::Tensor codeword_cosines(const torch::Tensor& features, const torch::Tensor& codebook) {
  const auto dtype = torch::promote_types(features.scalar_type(), codebook.scalar_type());
  return cosine_similarity_matrix(features.to(dtype), codebook.to(dtype));
}

}  // namespace

torch::Tensor cosine_cost(const torch::Tensor& features, const torch::Tensor& codebook) {
  return 1 - codeword_cosines(features, codebook);  // Eq. 1
}

torch::Tensor transport_cost(const torch::Tensor& plan, const torch::Tensor& cost) {
  return (plan.detach().to(cost.dtype()) * cost).sum();  // Eq. 1
}

torch::Tensor prototype_cross_entropy(const torch::Tensor& features, const torch::Tensor& codebook,
                                      const torch::Tensor& plan, const torch::Tensor& temperature) {
  const torch::Tensor logits = codeword_cosines(features, codebook) / temperature;
  const torch::Tensor targets = plan.detach() / plan.detach().sum(1, true);
  return soft_cross_entropy_fp32(logits, targets.to(logits.dtype()));  // Eq. 2
}

namespace {

torch::Tensor plan_for(const torch::Tensor& cost, const IpotSettings& ipot) {
  return ipot_plan(cost, uniform_marginal(cost.size(0), cost.device()), uniform_marginal(cost.size(1), cost.device()),
                   ipot);
}

}  // namespace

CodebookLosses codebook_losses(const torch::Tensor& image, const torch::Tensor& text,
                               const torch::Tensor& image_plan_features, const torch::Tensor& text_plan_features,
                               const torch::Tensor& codebook, const torch::Tensor& temperature,
                               const IpotSettings& ipot, bool swapped_targets, int64_t offset) {
  const torch::Tensor image_cost = cosine_cost(image_plan_features, codebook);
  const torch::Tensor text_cost = cosine_cost(text_plan_features, codebook);
  CodebookLosses out;
  out.image_plan = plan_for(image_cost, ipot);  // Algorithm 2: Tg
  out.text_plan = plan_for(text_cost, ipot);    // Algorithm 2: Tf
  out.ot_image = transport_cost(out.image_plan, image_cost);  // Eq. 3, L_ot(Z_v^m, C)
  out.ot_text = transport_cost(out.text_plan, text_cost);     // Eq. 3, L_ot(Z_t^m, C)
  const torch::Tensor image_rows = out.image_plan.narrow(0, offset, image.size(0));
  const torch::Tensor text_rows = out.text_plan.narrow(0, offset, text.size(0));
  out.tp = prototype_cross_entropy(text, codebook, swapped_targets ? image_rows : text_rows, temperature);   // Eq. 2
  out.ip = prototype_cross_entropy(image, codebook, swapped_targets ? text_rows : image_rows, temperature);  // Eq. 2
  return out;
}

}  // namespace mmkd::codebook_ot
