#include "glue.hpp"

#include <mmkd/config_path.hpp>

#include <filesystem>

namespace mmkd::text {

namespace {

WordpieceTokenizer load_tokenizer(const Options& options, const Context& context) {
  try {
    return WordpieceTokenizer(config_path(options.get<std::string>("vocab"), context).string());
  } catch (const Error& e) {
    options.fail("vocab", e.what());
  }
}

std::vector<GlueExample> load_examples(const Options& options, const Context& context, const GlueTask& task) {
  const std::string split = options.get<std::string>("split");
  const std::string file = glue_file_name(task, split);
  if (file.empty()) options.fail("split", "`" + split + "` is MNLI's only; task " + task.name + " has train and dev");
  const std::string path = (config_path(options.get<std::string>("root"), context) / file).string();
  if (!std::filesystem::is_regular_file(path))
    options.fail("root", "no file `" + path + "` (the " + split + " split of GLUE task " + task.name + ")");
  std::vector<GlueExample> examples = read_glue_file(path, task);
  if (examples.empty()) options.fail("root", "`" + path + "` holds no examples");
  return examples;
}

}  // namespace

ComponentInfo Glue::info() {
  return ComponentInfo("glue",
                       "One split of a GLUE task (thesis Section 2.1.3.1) from the TSV files GLUE distributes, "
                       "tokenized with BERT's uncased WordPiece: [CLS] sentence [SEP], or [CLS] a [SEP] b [SEP] "
                       "for sentence pairs, the longer one truncated first.")
      .required_option<std::string>("task", "the GLUE task", one_of(glue_task_names()))
      .required_option<std::string>("root",
                                    "folder with the task's TSV files (train.tsv, dev.tsv; MNLI: dev_matched.tsv, "
                                    "dev_mismatched.tsv), relative to the experiment file")
      .option<std::string>("split", "train", "train, dev (MNLI: matched) or dev_mismatched (MNLI only)",
                           one_of({"train", "dev", "dev_mismatched"}))
      .required_option<std::string>("vocab", "BERT's vocab.txt, relative to the experiment file")
      .option<int64_t>("max_len", 128, "T: tokens per sample, [CLS] and [SEP]s included", at_least(3))
      .outputs_from([](const Options& options) {
        std::vector<Port> outputs = {
            {"text_ids", "int64 [T]: [CLS] a [SEP] (b [SEP]), padded with [PAD]"},
            {"text_mask", "int64 [T]: 1 = token, 0 = padding"},
            {"text_types", "int64 [T]: 0 = [CLS], a and its [SEP], padding; 1 = b and its [SEP]"},
        };
        if (glue_task(options.get<std::string>("task")).regression())
          outputs.push_back({"score", "float scalar: STS-B similarity in [0, 5]"});
        else
          outputs.push_back({"label", "int64 scalar: class id (Hugging Face's nyu-mll/glue ids)"});
        return outputs;
      });
}

Glue::Glue(const Options& options, const Context& context)
    : task_(glue_task(options.get<std::string>("task"))),
      max_len_(options.get<int64_t>("max_len")),
      tokenizer_(load_tokenizer(options, context)),
      examples_(load_examples(options, context, task_)) {}

TensorMap Glue::get(int64_t index, uint64_t /*seed*/) const {
  if (index < 0 || index >= size())
    throw Error("glue: index " + std::to_string(index) + " is outside [0, " + std::to_string(size()) + ")");
  const GlueExample& example = examples_[index];
  const EncodedText text = task_.pair() ? tokenizer_.encode_pair(example.first, example.second, max_len_)
                                        : tokenizer_.encode_single(example.first, max_len_);
  TensorMap sample = {
      {"text_ids", torch::tensor(text.ids, torch::kLong)},
      {"text_mask", torch::tensor(text.mask, torch::kLong)},
      {"text_types", torch::tensor(text.types, torch::kLong)},
  };
  if (task_.regression())
    sample["score"] = torch::scalar_tensor(example.score, torch::kFloat);
  else
    sample["label"] = torch::scalar_tensor(example.label, torch::kLong);
  return sample;
}

}  // namespace mmkd::text
