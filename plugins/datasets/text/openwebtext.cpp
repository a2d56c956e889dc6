#include "openwebtext.hpp"

#include <mmkd/config_path.hpp>

namespace mmkd::text {

ComponentInfo OpenWebText::info() {
  return ComponentInfo("openwebtext",
                       "Token ids of one binary file (little-endian uint16, as nanoGPT's prepare.py writes "
                       "OpenWebText) cut into consecutive slices of max_len - 2 tokens, each between [CLS] and "
                       "[SEP] (thesis Section 2.1.3.4); a tail shorter than a slice is not used.")
      .required_option<std::string>("path", "the token file, relative to the experiment file")
      .option<int64_t>("max_len", 196, "T: tokens per sample, [CLS] and [SEP] included (thesis Section 3.1.2.2)",
                       at_least(3))
      .option<int64_t>("cls_id", 101, "id of [CLS] (101 in BERT's uncased vocabulary)", at_least(0))
      .option<int64_t>("sep_id", 102, "id of [SEP] (102 in BERT's uncased vocabulary)", at_least(0))
      .output("text_ids", "int64 [T]: [CLS], T - 2 tokens of the file, [SEP]")
      .output("text_mask", "int64 [T]: all ones (slices are never padded)");
}

OpenWebText::OpenWebText(const Options& options, const Context& context)
    : max_len_(options.get<int64_t>("max_len")),
      cls_id_(options.get<int64_t>("cls_id")),
      sep_id_(options.get<int64_t>("sep_id")) {
  const std::string path = config_path(options.get<std::string>("path"), context).string();
  try {
    tokens_ = std::make_unique<TokenFile>(path);
  } catch (const Error& e) {
    options.fail("path", e.what());
  }
  size_ = tokens_->size() / (max_len_ - 2);
  if (size_ == 0)
    options.fail("path", "token file `" + path + "` holds " + std::to_string(tokens_->size()) +
                             " tokens, fewer than one slice of max_len - 2 = " + std::to_string(max_len_ - 2));
}

TensorMap OpenWebText::get(int64_t index, uint64_t /*seed*/) const {
  if (index < 0 || index >= size_)
    throw Error("openwebtext: index " + std::to_string(index) + " is outside [0, " + std::to_string(size_) + ")");
  torch::Tensor ids = torch::empty({max_len_}, torch::kLong);
  int64_t* out = ids.data_ptr<int64_t>();
  const int64_t slice = max_len_ - 2, first = index * slice;
  out[0] = cls_id_;
  for (int64_t t = 0; t < slice; ++t) out[1 + t] = (*tokens_)[first + t];
  out[max_len_ - 1] = sep_id_;
  return {{"text_ids", ids}, {"text_mask", torch::ones({max_len_}, torch::kLong)}};
}

}  // namespace mmkd::text
