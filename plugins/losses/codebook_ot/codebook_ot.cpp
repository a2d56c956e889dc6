#include "codebook_ot.hpp"

#include "codis_inputs.hpp"

namespace mmkd::codebook_ot {

ComponentInfo CodebookOt::info() {
  ComponentInfo info("codebook_ot",
                     "CODIS codebook loss (Eq. 1-3, Algorithm 2): optimal transport between each modality's "
                     "momentum features and a learnable codebook (L_ot), and cross entropy of the students' "
                     "codeword predictions against the IPOT plans of the momentum features (L_tp, L_ip).");
  info.option<int64_t>("num_codewords", 4000, "codebook size K", at_least(1))
      .option<int64_t>("dim", 256, "codeword dimension d_c, the feature dimension", at_least(1))
      .option<double>("epsilon", 0.5, "IPOT proximal parameter beta: A = exp(-D / epsilon)", positive())
      .option<int64_t>("outer_iterations", 50, "IPOT proximal steps", at_least(1))
      .option<int64_t>("inner_iterations", 1, "IPOT Sinkhorn steps per proximal step", at_least(1))
      .option<std::string>("plan_targets", "same_modality",
                           "plan each student predicts: its own modality's (Eq. 3, Algorithm 1) or the other "
                           "modality's (swapped, Fig. 3)",
                           one_of({"same_modality", "swapped"}))
      .option<double>("ot_weight", 1.0, "weight of L_ot(Z_v^m, C) + L_ot(Z_t^m, C)", at_least(0))
      .option<double>("tp_weight", 1.0, "weight of the text-to-prototype loss L_tp", at_least(0))
      .option<double>("ip_weight", 1.0, "weight of the image-to-prototype loss L_ip", at_least(0));
  LearnableTemperature::declare_options(info);
  declare_codis_inputs(info);
  info.output("ot_image", "L_ot(Z_v^m, C): transport cost <T, D> of the image plan")
      .output("ot_text", "L_ot(Z_t^m, C): transport cost <T, D> of the text plan")
      .output("tp", "L_tp: cross entropy of the text codeword predictions against their plan")
      .output("ip", "L_ip: cross entropy of the image codeword predictions against their plan")
      .output("plan_marginal_error", "largest |N * row sum - 1| of the two plans (IPOT convergence)")
      .output("temperature", "gamma after the clamp");
  return info;
}

CodebookOt::CodebookOt(const Options& options, const Context& context)
    : context_(context),
      temperature_(*this, options),
      ipot_{options.get<double>("epsilon"), options.get<int64_t>("outer_iterations"),
            options.get<int64_t>("inner_iterations")},
      swapped_targets_(options.get<std::string>("plan_targets") == "swapped"),
      ot_weight_(options.get<double>("ot_weight")),
      tp_weight_(options.get<double>("tp_weight")),
      ip_weight_(options.get<double>("ip_weight")) {
  const torch::Tensor initial = torch::randn({options.get<int64_t>("num_codewords"), options.get<int64_t>("dim")});
  codebook = register_parameter("codebook", initial / initial.norm(2, 1, true));
}

LossOutput CodebookOt::compute(const TensorMap& inputs) {
  const CodisFeatures f = read_codis_features("codebook_ot", inputs, codebook.size(1));
  const CodebookLosses parts =
      codebook_losses(f.image, f.text, gather_rows_with_grad(f.image_momentum, context_),
                      gather_rows_with_grad(f.text_momentum, context_), codebook, temperature_.value(), ipot_,
                      swapped_targets_, gathered_offset(f.image.size(0), context_));
  LossOutput out;
  out.loss = ot_weight_ * (parts.ot_image + parts.ot_text) + tp_weight_ * parts.tp + ip_weight_ * parts.ip;  // Eq. 3
  torch::NoGradGuard no_grad;
  const auto row_error = [](const torch::Tensor& plan) {
    return (plan.sum(1) * plan.size(0) - 1).abs().max();
  };
  out.metrics["ot_image"] = parts.ot_image.detach();
  out.metrics["ot_text"] = parts.ot_text.detach();
  out.metrics["tp"] = parts.tp.detach();
  out.metrics["ip"] = parts.ip.detach();
  out.metrics["plan_marginal_error"] = torch::max(row_error(parts.image_plan), row_error(parts.text_plan));
  out.metrics["temperature"] = temperature_.value().detach();
  return out;
}

}  // namespace mmkd::codebook_ot
