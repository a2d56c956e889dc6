#include "codebook_usage.hpp"

#include <mmkd/kit/percent_cell.hpp>

#include <iomanip>

namespace mmkd::codebook {

ComponentInfo CodebookUsage::info() {
  return ComponentInfo("codebook_usage",
                       "Codebook usage of a VQ loss over the whole validation set (thesis Section 3.2.7, Eq. 86): "
                       "the codeword the loss chooses for each sample (its `codes`), counted over the pass.")
      .required_option<std::string>("loss", "name of the VQ loss node (e.g. an image_vq) whose codes are counted")
      .required_option<int64_t>("codebook_size", "J: number of codewords of that loss", positive())
      .input("teacher_cls", "[B, D] what the VQ loss quantises, e.g. the teacher's [I_CLS]")
      .output("usage", "fraction of the J codewords chosen for at least one sample")
      .output("perplexity", "exp of the entropy of the codeword frequencies (J when all are used equally)")
      .output("dead", "number of codewords chosen for no sample");
}

CodebookUsage::CodebookUsage(const Options& options, const Context& /*context*/)
    : loss_(options.get<std::string>("loss")), codebook_size_(options.get<int64_t>("codebook_size")) {
  reset();
}

void CodebookUsage::reset() { counts_ = torch::zeros({codebook_size_}, torch::kLong); }

void CodebookUsage::add(const TensorMap& inputs, const EvalModels& models) {
  const TensorMap out = models.evaluate_loss(loss_, inputs);
  const torch::Tensor codes = require(out, "codes").detach().to(torch::kCPU).reshape({-1});
  if (codes.is_floating_point() || codes.is_complex())
    throw Error(c10::str("codebook_usage: loss `", loss_, "` returned `codes` of type ", codes.scalar_type(),
                         ", expected integer codeword indices"));
  if (codes.numel() > 0 && (codes.min().item<int64_t>() < 0 || codes.max().item<int64_t>() >= codebook_size_))
    throw Error(c10::str("codebook_usage: loss `", loss_, "` returned codes from ", codes.min().item<int64_t>(),
                         " to ", codes.max().item<int64_t>(), ", outside [0, codebook_size) = [0, ", codebook_size_,
                         ")"));
  counts_ += torch::bincount(codes.to(torch::kLong), {}, codebook_size_);
}

std::map<std::string, double> CodebookUsage::compute(const EvalModels& /*models*/) {
  const int64_t samples = counts_.sum().item<int64_t>();
  if (samples == 0) throw Error("codebook_usage: compute() before any codes were added");
  const int64_t used = (counts_ > 0).sum().item<int64_t>();
  const torch::Tensor p = counts_.to(torch::kDouble) / static_cast<double>(samples);
  const double entropy = -torch::where(p > 0, p * p.log(), torch::zeros_like(p)).sum().item<double>();
  return {{"usage", static_cast<double>(used) / static_cast<double>(codebook_size_)},
          {"perplexity", std::exp(entropy)},
          {"dead", static_cast<double>(codebook_size_ - used)}};
}

std::vector<TableCell> CodebookUsage::table(const std::map<std::string, double>& metrics) const {
  return {percent_cell({"Usage"}, metrics.at("usage")),
          {{"Perplexity"}, c10::str(std::fixed, std::setprecision(1), metrics.at("perplexity"))},
          {{"Dead"}, std::to_string(static_cast<int64_t>(metrics.at("dead")))}};
}

}  // namespace mmkd::codebook
