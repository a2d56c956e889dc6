#include "cmli_tokens.hpp"

#include <torch/types.h>

#include <mmkd/error.hpp>

namespace mmkd::cmli {

torch::Tensor caption_words(const torch::Tensor& text_mask, const std::string& loss) {
  const torch::Tensor token = text_mask != 0;
  const torch::Tensor next_is_token =
      torch::cat({token.slice(1, 1), torch::zeros({token.size(0), 1}, token.options())}, 1);
  torch::Tensor words = token & next_is_token;  // drops [EOS]
  words.select(1, 0).fill_(false);              // drops [CLS]
  const torch::Tensor empty = words.sum(1) == 0;
  if (empty.any().item<bool>())
    throw Error(c10::str(loss, ": caption ", empty.nonzero().select(1, 0)[0].item<int64_t>(),
                         " has no token besides [CLS], [EOS] and padding in `text_mask` ", text_mask.sizes()));
  return words;
}

torch::Tensor patches(const torch::Tensor& image_tokens) { return image_tokens.slice(1, 1); }

}  // namespace mmkd::cmli
