#include "classification.hpp"

#include "class_metrics.hpp"
#include "percent_table.hpp"

#include <algorithm>

namespace mmkd::classification_eval {

namespace {

const std::map<std::string, std::string> metric_headings = {
    {"accuracy", "Accuracy"}, {"top5", "Top-5"}, {"f1", "F1"}, {"matthews", "MCC"}};

const std::map<std::string, std::string> metric_docs = {
    {"accuracy", "fraction of samples whose label has the highest logit (ties: the lower class index)"},
    {"top5", "fraction of samples whose label is among the 5 highest logits"},
    {"f1", "F1 of class 1 (GLUE MRPC, QQP); needs 2 classes"},
    {"matthews", "Matthews correlation coefficient of the argmax predictions (GLUE CoLA), in [-1, 1]"}};

bool has(const std::vector<std::string>& metrics, const std::string& metric) {
  return std::find(metrics.begin(), metrics.end(), metric) != metrics.end();
}

}  // namespace

ComponentInfo Classification::info() {
  return ComponentInfo("classification",
                       "Accuracy, top-5 accuracy, F1 of class 1 and Matthews correlation of class logits over "
                       "the whole validation set (GLUE and ImageNet-1K, thesis Tables 27 and 28)")
      .option<std::vector<std::string>>("metrics", {"accuracy"}, "the metrics to compute",
                                        one_of({"accuracy", "top5", "f1", "matthews"}))
      .input("logits", "[B, C] class scores")
      .input("label", "int64 [B]: the true class, in [0, C)", "batch.label")
      .outputs_from([](const Options& options) {
        std::vector<Port> metrics;
        for (const auto& metric : options.get<std::vector<std::string>>("metrics"))
          metrics.push_back({metric, metric_docs.at(metric)});
        return metrics;
      });
}

Classification::Classification(const Options& options, const Context& /*context*/)
    : metrics_(options.get<std::vector<std::string>>("metrics")) {
  if (metrics_.empty()) options.fail("metrics", "needs at least one metric");
  for (auto metric = metrics_.begin(); metric != metrics_.end(); ++metric)
    if (std::find(metrics_.begin(), metric, *metric) != metric)
      options.fail("metrics", "names `" + *metric + "` twice");
}

void Classification::reset() {
  classes_ = 0;
  ranks_.clear();
  predictions_.clear();
  labels_.clear();
}

void Classification::check_classes(int64_t classes) const {
  if (has(metrics_, "top5") && classes < 5)
    throw Error(c10::str("classification: option `metrics` has top5, which needs at least 5 classes; the logits have ",
                         classes));
  if (has(metrics_, "f1") && classes != 2)
    throw Error(
        c10::str("classification: option `metrics` has f1 (F1 of class 1), which needs 2 classes; the logits "
                 "have ",
                 classes));
  if (classes_ != 0 && classes != classes_)
    throw Error(c10::str("classification: the logits have ", classes, " classes, earlier batches had ", classes_));
}

void Classification::add(const TensorMap& inputs, const EvalModels& /*models*/) {
  const torch::Tensor& logits = require(inputs, "logits");
  const torch::Tensor& label = require(inputs, "label");
  if (logits.dim() != 2 || label.numel() != logits.size(0))
    throw Error(c10::str("classification: `logits` must be [B, C] and `label` [B], got ", logits.sizes(), " and ",
                         label.sizes()));
  if (label.is_floating_point()) throw Error("classification: `label` must hold integer class ids, got floats");
  check_classes(logits.size(1));
  const torch::Tensor labels = label.detach().to(torch::kCPU, torch::kLong).reshape({-1});
  if (labels.numel() > 0 && (labels.min().item<int64_t>() < 0 || labels.max().item<int64_t>() >= logits.size(1)))
    throw Error(c10::str("classification: `label` holds ", labels.min().item<int64_t>(), "..",
                         labels.max().item<int64_t>(), ", outside the ", logits.size(1), " classes of `logits`"));
  const torch::Tensor scores = logits.detach().to(torch::kCPU, torch::kFloat);
  classes_ = logits.size(1);
  ranks_.push_back(rank_of_label(scores, labels));
  predictions_.push_back(scores.argmax(1));
  labels_.push_back(labels);
}

std::map<std::string, double> Classification::compute(const EvalModels& /*models*/) {
  if (labels_.empty()) throw Error("classification: compute() before any batch was added");
  const torch::Tensor ranks = torch::cat(ranks_), predictions = torch::cat(predictions_), labels = torch::cat(labels_);
  std::map<std::string, double> metrics;
  for (const auto& metric : metrics_) {
    if (metric == "accuracy") metrics[metric] = fraction_below(ranks, 1);
    if (metric == "top5") metrics[metric] = fraction_below(ranks, 5);
    if (metric == "f1") metrics[metric] = binary_f1(predictions, labels);
    if (metric == "matthews") metrics[metric] = matthews_corrcoef(predictions, labels, classes_);
  }
  return metrics;
}

std::vector<TableCell> Classification::table(const std::map<std::string, double>& metrics) const {
  std::vector<std::pair<std::string, std::string>> headings;
  for (const auto& metric : metrics_) headings.push_back({metric, metric_headings.at(metric)});
  return percent_cells(metrics, headings);
}

}  // namespace mmkd::classification_eval
