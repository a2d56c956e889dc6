#include "zero_shot.hpp"

#include "class_metrics.hpp"
#include "name_lists.hpp"
#include "percent_table.hpp"

#include <mmkd/config_path.hpp>

#include <algorithm>

namespace mmkd::classification_eval {

namespace F = torch::nn::functional;

namespace {

text::WordpieceTokenizer load_tokenizer(const Options& options, const Context& context) {
  try {
    return text::WordpieceTokenizer(config_path(options.get<std::string>("vocab"), context).string());
  } catch (const Error& e) {
    options.fail("vocab", e.what());
  }
}

// The option's built-in list when it names it, else the lines of the file it names.
std::vector<std::string> load_list(const Options& options, const Context& context, const std::string& option,
                                   const std::string& builtin_name, std::vector<std::string> (*builtin)()) {
  const std::string value = options.get<std::string>(option);
  if (value == builtin_name) return builtin();
  std::vector<std::string> lines;
  try {
    lines = read_lines(config_path(value, context).string());
  } catch (const Error& e) {
    options.fail(option, e.what());
  }
  if (lines.empty()) options.fail(option, "`" + config_path(value, context).string() + "` has no lines");
  return lines;
}

// CLIP's template.format(class_name): every `{}` replaced.
std::string fill(std::string prompt, const std::string& class_name) {
  for (size_t at = prompt.find("{}"); at != std::string::npos; at = prompt.find("{}", at + class_name.size()))
    prompt.replace(at, 2, class_name);
  return prompt;
}

}  // namespace

ComponentInfo ZeroShot::info() {
  return ComponentInfo("zero_shot",
                       "CLIP zero-shot image classification (thesis Section 1.7.2.2): class embeddings from prompt "
                       "templates run through the model's text branch at every validation, top-1 and top-5 accuracy "
                       "of the images' nearest class by cosine similarity")
      .option<std::string>("classes", "imagenet",
                           "file with one class name per line (class id = line among the non-blank lines), relative "
                           "to the experiment file; `imagenet`: CLIP's 1000 ImageNet-1K class names, built in")
      .option<std::string>("templates", "clip",
                           "file with one prompt template per line, `{}` where the class name goes, relative to the "
                           "experiment file; `clip`: CLIP's 80 ImageNet templates, built in")
      .required_option<std::string>("vocab", "BERT's vocab.txt (uncased WordPiece), relative to the experiment file")
      .option<int64_t>("max_len", 64, "T: tokens per prompt, [CLS] and [SEP] included", at_least(3))
      .option<std::string>("text_ids", "batch.text_ids", "tensor name of the prompt ids the text branch reads")
      .option<std::string>("text_mask", "batch.text_mask", "tensor name of the prompt mask the text branch reads")
      .required_option<std::string>("text_embedding",
                                    "tensor the text branch writes: [P, D] prompt embeddings, "
                                    "e.g. text.embedding")
      .option<int64_t>("prompt_batch", 256, "prompts per run of the text branch", positive())
      .input("image", "[B, D] image embeddings")
      .input("label", "int64 [B]: the true class, in [0, classes)", "batch.label")
      .output("top1", "fraction of images whose nearest class embedding is their class")
      .output("top5", "fraction of images whose class is among the 5 nearest class embeddings");
}

ZeroShot::ZeroShot(const Options& options, const Context& context)
    : tokenizer_(load_tokenizer(options, context)),
      max_len_(options.get<int64_t>("max_len")),
      prompt_batch_(options.get<int64_t>("prompt_batch")),
      text_ids_(options.get<std::string>("text_ids")),
      text_mask_(options.get<std::string>("text_mask")),
      text_embedding_(options.get<std::string>("text_embedding")) {
  const std::vector<std::string> class_names = load_list(options, context, "classes", "imagenet", imagenet_class_names);
  const std::vector<std::string> templates = load_list(options, context, "templates", "clip", clip_imagenet_templates);
  if (class_names.size() < 5)
    options.fail("classes", c10::str("has ", class_names.size(), " classes; top-5 accuracy needs at least 5"));
  for (size_t t = 0; t < templates.size(); ++t)
    if (templates[t].find("{}") == std::string::npos)
      options.fail("templates", c10::str("template ", t + 1, " `", templates[t], "` has no `{}` for the class name"));
  classes_ = static_cast<int64_t>(class_names.size());
  templates_ = static_cast<int64_t>(templates.size());
  for (const auto& class_name : class_names)
    for (const auto& prompt_template : templates)
      prompt_pieces_.push_back(tokenizer_.encode(fill(prompt_template, class_name)));
}

void ZeroShot::reset() {
  images_.clear();
  labels_.clear();
}

void ZeroShot::add(const TensorMap& inputs, const EvalModels& /*models*/) {
  const torch::Tensor& image = require(inputs, "image");
  const torch::Tensor& label = require(inputs, "label");
  if (image.dim() != 2 || label.numel() != image.size(0))
    throw Error(
        c10::str("zero_shot: `image` must be [B, D] and `label` [B], got ", image.sizes(), " and ", label.sizes()));
  if (label.is_floating_point()) throw Error("zero_shot: `label` must hold integer class ids, got floats");
  const torch::Tensor labels = label.detach().to(torch::kCPU, torch::kLong).reshape({-1});
  if (labels.numel() > 0 && (labels.min().item<int64_t>() < 0 || labels.max().item<int64_t>() >= classes_))
    throw Error(c10::str("zero_shot: `label` holds ", labels.min().item<int64_t>(), "..", labels.max().item<int64_t>(),
                         ", outside the ", classes_, " classes of option `classes`"));
  device_ = image.device();
  images_.push_back(image.detach().to(torch::kCPU, torch::kFloat));
  labels_.push_back(labels);
}

torch::Tensor ZeroShot::class_embeddings(const EvalModels& models) const {
  torch::NoGradGuard no_grad;
  const int64_t prompts = static_cast<int64_t>(prompt_pieces_.size());
  std::vector<torch::Tensor> prompt_embeddings;
  for (int64_t begin = 0; begin < prompts; begin += prompt_batch_) {
    const int64_t count = std::min(prompt_batch_, prompts - begin);
    std::vector<int64_t> ids, mask;
    for (int64_t p = begin; p < begin + count; ++p) {
      const text::EncodedText prompt = tokenizer_.encode_pieces(prompt_pieces_[p], max_len_);
      ids.insert(ids.end(), prompt.ids.begin(), prompt.ids.end());
      mask.insert(mask.end(), prompt.mask.begin(), prompt.mask.end());
    }
    TensorMap tensors = {{text_ids_, torch::tensor(ids, torch::kLong).view({count, max_len_}).to(device_)},
                         {text_mask_, torch::tensor(mask, torch::kLong).view({count, max_len_}).to(device_)}};
    models.run_model(tensors);
    auto found = tensors.find(text_embedding_);
    if (found == tensors.end()) {
      std::string written;
      for (const auto& [name, _] : tensors)
        if (name != text_ids_ && name != text_mask_) written += (written.empty() ? "" : ", ") + name;
      throw Error(c10::str("zero_shot: the model wrote no `", text_embedding_, "` (option `text_embedding`) from `",
                           text_ids_, "` and `", text_mask_, "`; it wrote: ", written.empty() ? "nothing" : written));
    }
    const torch::Tensor& embedding = found->second;
    if (embedding.dim() != 2 || embedding.size(0) != count)
      throw Error(c10::str("zero_shot: `", text_embedding_, "` (option `text_embedding`) must be [", count, ", D] for ",
                           count, " prompts, got ", embedding.sizes()));
    prompt_embeddings.push_back(
        F::normalize(embedding.detach().to(torch::kCPU, torch::kFloat), F::NormalizeFuncOptions().dim(1)));
  }
  // Section 1.7.2.2: the mean of a class' normalised prompt embeddings, normalised again.
  const torch::Tensor per_class = torch::cat(prompt_embeddings).view({classes_, templates_, -1}).mean(1);
  return F::normalize(per_class, F::NormalizeFuncOptions().dim(1));
}

std::map<std::string, double> ZeroShot::compute(const EvalModels& models) {
  if (images_.empty()) throw Error("zero_shot: compute() before any batch was added");
  const torch::Tensor images = F::normalize(torch::cat(images_), F::NormalizeFuncOptions().dim(1));
  const torch::Tensor classes = class_embeddings(models);
  if (classes.size(1) != images.size(1))
    throw Error(c10::str("zero_shot: `", text_embedding_, "` (option `text_embedding`) has ", classes.size(1),
                         " dimensions, the image embeddings ", images.size(1)));
  const torch::Tensor ranks = rank_of_label(images.matmul(classes.t()), torch::cat(labels_));
  return {{"top1", fraction_below(ranks, 1)}, {"top5", fraction_below(ranks, 5)}};
}

std::vector<TableCell> ZeroShot::table(const std::map<std::string, double>& metrics) const {
  return percent_cells(metrics, {{"top1", "Accuracy"}, {"top5", "Top-5"}});
}

}  // namespace mmkd::classification_eval
