#include "data2vec_regression.hpp"

#include "distillation_math.hpp"

#include <string>

namespace mmkd::distillation {

ComponentInfo Data2VecRegression::info() {
  return ComponentInfo("data2vec_regression",
                       "every layer instance-normalised over time, averaged over layers and layer-normalised, "
                       "for teacher and student alike; mean squared error over all tokens, [CLS] included "
                       "(thesis Eq. 36-41)")
      .option<double>("instance_norm_eps", 1e-8, "epsilon added to the variance over time (Eq. 36)", positive())
      .option<double>("layer_norm_eps", 1e-5, "epsilon of the parameter-free layer norm (Eq. 40)", positive())
      .option<bool>("layer_norm", true,
                    "the parameter-free layer norm of the layer average (Eq. 40); the thesis code leaves it out for "
                    "text")
      .option<int64_t>("teacher_first_layer", 0,
                       "the first of the teacher's stacked layers averaged (Eq. 39); 2 leaves out Data2Vec2's prenet "
                       "blocks, as fairseq's layer_results do",
                       at_least(0))
      .option<int64_t>("student_first_layer", 0, "the first of the student's stacked layers averaged (Eq. 39)",
                       at_least(0))
      .input("teacher", "[L_t, B, T, D] outputs of every teacher layer (or one layer [B, T, D]); a target: no "
                        "gradient flows into it")
      .input("student", "[L_s, B, T, D] outputs of every student layer (or one layer [B, T, D])")
      .output("cosine", "mean cosine similarity of the target and predicted token representations");
}

Data2VecRegression::Data2VecRegression(const Options& options, const Context& /*context*/)
    : instance_norm_eps_(options.get<double>("instance_norm_eps")),
      layer_norm_eps_(options.get<bool>("layer_norm") ? std::optional<double>(options.get<double>("layer_norm_eps"))
                                                      : std::nullopt),
      teacher_first_layer_(options.get<int64_t>("teacher_first_layer")),
      student_first_layer_(options.get<int64_t>("student_first_layer")) {}

namespace {

// [L, B, T, D] from layer `first` on.
torch::Tensor as_layers(const torch::Tensor& tensor, const std::string& port, const std::string& layers,
                        int64_t first) {
  if (tensor.dim() != 3 && tensor.dim() != 4)
    throw Error(c10::str("data2vec_regression: `", port, "` must be [", layers, ", B, T, D] or [B, T, D], got ",
                         tensor.sizes()));
  const torch::Tensor stacked = tensor.dim() == 3 ? tensor.unsqueeze(0) : tensor;
  if (first >= stacked.size(0))
    throw Error(c10::str("data2vec_regression: `", port, "` has ", stacked.size(0), " layers, ", port,
                         "_first_layer is ", first));
  return stacked.slice(0, first);
}

}  // namespace

LossOutput Data2VecRegression::compute(const TensorMap& inputs) {
  const torch::Tensor teacher = as_layers(require(inputs, "teacher").detach(), "teacher", "L_t", teacher_first_layer_);
  const torch::Tensor student = as_layers(require(inputs, "student"), "student", "L_s", student_first_layer_);
  if (teacher.sizes().slice(1) != student.sizes().slice(1))
    throw Error(c10::str("data2vec_regression: `student` ", student.sizes(), " and `teacher` ", teacher.sizes(),
                         " must have equal [B, T, D]"));

  // Eq. 40: Y from the teacher, Ŷ from the student
  const torch::Tensor target = layer_averaged_representation(teacher, instance_norm_eps_, layer_norm_eps_);
  const torch::Tensor prediction = layer_averaged_representation(student, instance_norm_eps_, layer_norm_eps_);

  LossOutput out;
  out.loss = mean_squared_error(target, prediction);  // Eq. 41
  torch::NoGradGuard no_grad;
  out.metrics["cosine"] = torch::cosine_similarity(target, prediction, -1).mean();
  return out;
}

}  // namespace mmkd::distillation
