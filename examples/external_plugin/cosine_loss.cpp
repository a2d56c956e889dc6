// An mmkd loss plugin built outside the mmkd tree: 1 - cosine similarity of student and
// teacher features, averaged over rows.
#include <mmkd/mmkd.hpp>

namespace {

class CosineLoss : public mmkd::Loss {
 public:
  static mmkd::ComponentInfo info() {
    return mmkd::ComponentInfo("example_cosine", "1 - cosine similarity of student and teacher rows, averaged")
        .input("student", "student features [N, D]")
        .input("teacher", "teacher features [N, D]")
        .output("cosine", "mean cosine similarity of the rows")
        .option("eps", 1e-8, "lower bound of |student| * |teacher| in the denominator", mmkd::positive());
  }

  CosineLoss(const mmkd::Options& options, const mmkd::Context& /*context*/) : eps_(options.get<double>("eps")) {}

  mmkd::LossOutput compute(const mmkd::TensorMap& inputs) override {
    const torch::Tensor& student = mmkd::require(inputs, "student");
    const torch::Tensor& teacher = mmkd::require(inputs, "teacher");
    if (student.sizes() != teacher.sizes())
      throw mmkd::Error(c10::str("example_cosine: student ", student.sizes(), " and teacher ", teacher.sizes(),
                                 " differ in shape"));
    // cos_i = <s_i, t_i> / max(|s_i| |t_i|, eps)
    torch::Tensor cosine = (student * teacher).sum(-1) / (student.norm(2, -1) * teacher.norm(2, -1)).clamp_min(eps_);
    return {(1 - cosine).mean(), {{"cosine", cosine.mean().detach()}}};
  }

 private:
  double eps_;
};

void register_components(mmkd::Registry& registry) { registry.add<CosineLoss>(); }

}  // namespace

MMKD_PLUGIN("example_losses", "0.1.0", register_components)
